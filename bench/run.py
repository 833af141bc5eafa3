"""Benchmarks, in one run (about 8 minutes on 2 cores; BENCH_MAKE_TEST=0 leaves out `make test`):

1. throughput and latency of GET /cron-status, GET .../distribution-schedule and GET .../today/status
   on the mock (uvicorn, request validation on), against the framework's floor (a Connexion app from
   the same document with the same security and validation and trivial handlers: bench/floor_app.py),
   a bare Starlette app returning the same bytes (the ceiling) and Stoplight Prism's mock on the same
   document (when Node and Prism are installed: `npm ci --prefix tools`); each server pinned to one
   core, the load client to the other;
2. where one route's time goes (a profile: our code's share, the top frames);
3. the contract suite in-process, `make test`, and `verify` read-only against a backend 50 ms away
   (a served mock with `--latency 50`);
4. the time to simulate a year: 365 days of 10 slots over the fixture stakes, through the API (the
   median of three runs);
5. the machine's speed at the start and at the end: a fixed CPU workload's time (this VM drifts).

Prints every figure beside its target and writes bench/results/latest.json and latest.md (the
README's benchmark table is that file).  `make bench` runs it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import measure  # noqa: E402
from bench.profile_route import profile_route  # noqa: E402
from bench.year import simulate_year  # noqa: E402
from contract_tests.helpers import MULTI_QUEUE, QUEUE, THREE_SLOTS  # noqa: E402
from contract_tests.target import free_port  # noqa: E402
from mock_server.state.fixtures import read_yaml  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))  # per server and endpoint, over ROUNDS
ROUNDS = 9
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PATHS = {
    "cron-status": "/cron-status",
    "schedule": "/api/v1/admin/cron-settings/distribution-schedule",
    "today-status": "/api/v1/admin/daily-declaration-returns/today/status",
}
SERVER_CPU, CLIENT_CPU = 0, 1
PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"


def pin(cpu: int):
    def apply() -> None:
        if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:
            os.sched_setaffinity(0, {cpu})

    return apply


def start(command: list[str], port: int, probe: str = "/cron-status") -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pin(SERVER_CPU)
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{command[0]} did not start")


def load(port: int, path: str, headers: dict, seconds: float) -> dict:
    """Run the load client in its own process, pinned to the other core."""
    with multiprocessing.get_context("fork").Pool(1, initializer=pin(CLIENT_CPU)) as pool:
        measure_args = ("127.0.0.1", port, path, headers)
        pool.apply(measure, measure_args, {"connections": CONNECTIONS, "seconds": 0.3})  # warm-up
        return pool.apply(measure, measure_args, {"connections": CONNECTIONS, "seconds": seconds})


def mock_session(port: int) -> dict:
    """Queue a three-slot day and run its first slot, so the measured responses are realistic."""
    base = f"http://127.0.0.1:{port}"
    token = httpx.post(f"{base}/__mock/tokens", json={"identifier": "ops"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.put(f"{base}{PATHS['schedule']}", headers=headers, json=THREE_SLOTS).is_success
    assert httpx.post(f"{base}{QUEUE}", headers=headers, json=MULTI_QUEUE).is_success
    httpx.post(f"{base}/__mock/clock/advance", json={"to": "next-slot"})
    return headers


def throughput() -> tuple[dict, dict[str, str]]:
    """Every server up at once on the server core; the measurements interleaved (round after round,
    server after server, each round starting with the next server) and each figure the median of
    ROUNDS, each ratio the median of the rounds' ratios: this machine's speed drifts by tens of
    percent over minutes, and measuring one server after another would charge the drift to one of them."""
    servers: dict[str, int] = {}
    processes: list[subprocess.Popen] = []
    skipped = {}
    try:
        port = free_port()
        command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--quiet", "--frozen",
                   "--start-time", "2026-02-12T07:00:00Z"]  # fmt: skip
        processes.append(start(command, port))
        servers["mock"] = port
        headers = mock_session(port)
        recorded = {path: httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers).text for path in PATHS.values()}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(recorded, handle)
        for name, script in (("floor-connexion", "floor_app.py"), ("bare-starlette", "bare_app.py")):
            port = free_port()
            processes.append(start([sys.executable, str(ROOT / "bench" / script), handle.name, str(port)], port))
            servers[name] = port
        if PRISM.exists() and shutil.which("node"):
            port = free_port()
            processes.append(
                start([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "openapi/contract.yaml"], port)
            )
            servers["prism"] = port
        else:
            skipped["prism"] = "Prism is not installed: npm ci --prefix tools (needs Node)"
        rounds: dict[str, dict[str, list[dict]]] = {name: {endpoint: [] for endpoint in PATHS} for name in servers}
        names = list(servers)
        for turn in range(ROUNDS):
            order = names[turn % len(names) :] + names[: turn % len(names)]  # no server always first
            for endpoint, path in PATHS.items():
                for name in order:
                    rounds[name][endpoint].append(load(servers[name], path, headers, SECONDS / ROUNDS))
    finally:
        for process in processes:
            process.terminate()
            process.wait()
    return summarised(rounds), skipped


def middle(values, key=None):
    """The middle one of ``values`` in order (by ``key``): the median of the odd counts measured here."""
    ordered = sorted(values, key=key)
    return ordered[len(ordered) // 2]


def summarised(rounds: dict[str, dict[str, list[dict]]]) -> dict:
    """Each server and endpoint: its median round, with ``mock_ratio``, the median over the rounds of
    the mock's req/s over this server's in the same round (measured a few seconds apart, so the
    machine's drift over the run cancels out of the ratio)."""
    results = {}
    for name, by in rounds.items():
        results[name] = {}
        for endpoint, runs in by.items():
            paired = [mock["rps"] / run["rps"] for mock, run in zip(rounds["mock"][endpoint], runs, strict=True)]
            median = middle(runs, key=lambda run: run["rps"])
            results[name][endpoint] = {**median, "mock_ratio": middle(paired)}
    return results


def _timed(name: str, command: list[str], env: dict | None = None) -> dict:
    """Run ``command``; its time, whether it passed, its last line (its whole output kept in
    bench/results/failed-NAME.log when it failed)."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **(env or {})})
    last = (done.stdout.strip().splitlines() or [""])[-1]
    if done.returncode != 0:
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        (ROOT / "bench" / "results" / f"failed-{name}.log").write_text(done.stdout + done.stderr)
    return {"seconds": round(time.perf_counter() - started, 1), "passed": done.returncode == 0, "last_line": last}


def suite_seconds() -> dict:
    """The suite in-process as `make contract` runs it: spread over the cores, a mock on each."""
    cores = str(min(os.cpu_count() or 1, 8))
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:warnings",
              "--hypothesis-seed=1", "-n", cores, "--dist", "loadgroup"]  # fmt: skip
    return {
        "cases": _timed("cases", [*pytest, "--pyargs", "contract_tests.cases"]),
        "whole-suite": _timed("whole-suite", [*pytest, "--pyargs", "contract_tests"]),
    }


def make_test_seconds() -> dict | None:
    if os.environ.get("BENCH_MAKE_TEST", "1") == "0":
        return None
    return _timed("make-test", ["make", "--no-print-directory", "test"])


def verify_far_backend(latency_ms: int = 50) -> dict:
    """``verify`` read-only (admin token, its TOTP secret, a non-admin token) against a served mock
    that answers every request ``latency_ms`` late, checked as any live backend (``--as-live``)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--quiet",
               "--latency", str(latency_ms)]  # fmt: skip
    mock = start(command, port)
    try:
        admin = httpx.post(f"{base}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
        investor = httpx.post(f"{base}/__mock/tokens", json={"identifier": "investor"}).json()["token"]
        secret = next(i["totpSecret"] for i in read_yaml(ROOT / "fixtures" / "identities.yaml") if i.get("totpSecret"))
        env = {"CONTRACT_TOKEN": admin, "CONTRACT_TOTP_SECRET": secret}
        verify = [sys.executable, "-m", "mock_server", "verify", base, "--as-live", "--non-admin-token", investor]
        return {"latency_ms": latency_ms, **_timed("verify", verify, env)}
    finally:
        mock.terminate()
        mock.wait()


# A fixed piece of CPU work (JSON round trips, in a fresh interpreter), timed at the bench's start and end:
# this VM's speed drifts by up to 1.8x within the hour, so a figure read against another run's needs it.
REFERENCE = "import json\nd = {'a': [1, 2, 3, {'b': 'x' * 10}] * 50}\nfor _ in range(20000): json.loads(json.dumps(d))"


def reference_seconds(runs: int = 3) -> float:
    """The reference work's median time over ``runs``."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", REFERENCE], check=True)
        times.append(time.perf_counter() - began)
    return round(middle(times), 2)


YEARS = 3  # the year is simulated this many times, each in a fresh app; the figure is their median


def simulated_years() -> dict:
    """The simulated year's median over ``YEARS`` runs (one run alone is at the mercy of this VM's
    drift: the same commit took 2.7 s and 4.6 s half an hour apart)."""
    runs = [simulate_year() for _ in range(YEARS)]
    seconds = [run["seconds"] for run in runs]
    return {**runs[0], "seconds": middle(seconds), "runs": seconds}


def throughput_lines(results: dict) -> list[str]:
    lines = [f"{'server':16s} {'endpoint':14s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}"]
    for server, by_path in results.items():
        for name, row in by_path.items():
            figures = f"{row['rps']:9.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['errors']:7d}"
            lines.append(f"{server:16s} {name:14s} {figures}")
    return lines


def ratio(results: dict, other: str) -> list[float] | None:
    if other not in results:
        return None
    return [round(results[other][name]["mock_ratio"], 2) for name in PATHS]


def targets(
    results: dict, profile: dict, suite: dict, make_test: dict | None, verify: dict, year: dict, speed: list[float]
) -> list[tuple]:
    """(measure, figure, target, met) for every row of the README's table."""

    def ratios(values: list[float] | None, floor: float) -> tuple[str, str, str]:
        if values is None:
            return "not measured (Prism not installed)", f">= {floor}x on each", "-"
        return ", ".join(f"{v:.2f}x" for v in values), f">= {floor}x on each", _met(min(values) >= floor)

    rows = [
        ("machine speed: a fixed CPU workload at the bench's start and end (lower is faster)",
         f"{speed[0]} s, {speed[1]} s", "-", "-"),
        ("mock / Prism, GET " + ", ".join(PATHS), *ratios(ratio(results, "prism"), 1.5)),
        ("mock / floor (Connexion, same document, security, validation)",
         *ratios(ratio(results, "floor-connexion"), 0.8)),
        ("mock / bare Starlette returning the same bytes (the ceiling)",
         ", ".join(f"{v:.2f}x" for v in ratio(results, "bare-starlette") or []), "-", "-"),
        ("GET schedule's own time spent in mock_server code (profiled)", f"{profile['ours_share']:.0%}", "-", "-"),
        ("contract suite in-process (cases + Schemathesis)",
         f"{suite['whole-suite']['seconds']} s (cases alone {suite['cases']['seconds']} s)", "< 10 s",
         _met(suite["whole-suite"]["passed"] and suite["whole-suite"]["seconds"] < 10)),
    ]  # fmt: skip
    if make_test is None:
        rows.append(("`make test` after install", "not measured (BENCH_MAKE_TEST=0)", "< 60 s", "-"))
    else:
        rows.append(("`make test` after install", f"{make_test['seconds']} s", "< 60 s",
                     _met(make_test["passed"] and make_test["seconds"] < 60)))  # fmt: skip
    rows.append((f"`verify` read-only against a backend {verify['latency_ms']} ms away", f"{verify['seconds']} s",
                 "< 30 s", _met(verify["passed"] and verify["seconds"] < 30)))  # fmt: skip
    rows.append(("simulated year (365 days x 10 slots x 288 stakes, through the API)",
                 f"{year['seconds']} s (runs: {', '.join(f'{r:g}' for r in year['runs'])})",
                 "< 3 s", _met(year["seconds"] < 3)))  # fmt: skip
    return rows


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def markdown(rows: list[tuple], machine: dict, when: str, throughput: list[str] | None = None) -> str:
    lines = [f"Measured by `make bench` on {when}: {machine['cpus']} cores, {machine['processor']}, "
             f"Python {machine['python']}, {machine['platform']}.", "",
             "| measure | figure | target | |", "|---|---|---|---|"]  # fmt: skip
    lines += [f"| {measure} | {figure} | {target} | {met} |" for measure, figure, target, met in rows]
    if throughput:
        lines += ["", "```", *throughput, "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    started = time.perf_counter()
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }
    print(f"machine: {machine}", flush=True)
    speed = [reference_seconds()]
    print(f"machine speed: the reference workload took {speed[0]} s", flush=True)
    print(
        f"load: {CONNECTIONS} keep-alive connections, {ROUNDS} interleaved rounds of {SECONDS / ROUNDS:g} s per "
        "server and endpoint (the median; a ratio: the median of the rounds' ratios), the servers on one core and the "
        "client on the other"
    )
    results, skipped = throughput()
    for line in throughput_lines(results):
        print(line)
    for name, reason in skipped.items():
        print(f"{name}: skipped ({reason})")
    profile = profile_route(PATHS["schedule"])
    print(f"\nwhere GET schedule's time goes (each function's own time, profiled in-process): mock_server code "
          f"{profile['ours_share']:.0%}; Connexion, Starlette, werkzeug and the standard library (some of it called "
          f"by us) {profile['framework_share']:.0%}; the top frames:")  # fmt: skip
    for frame in profile["top"]:
        print(f"  {frame['own_s']:7.3f} s  {'ours     ' if frame['ours'] else 'framework'}  {frame['frame']}")
    print("", flush=True)
    suite = suite_seconds()
    verify = verify_far_backend()
    year = simulated_years()
    make_test = make_test_seconds()
    speed.append(reference_seconds())
    rows = targets(results, profile, suite, make_test, verify, year, speed)
    width = max(len(row[0]) for row in rows)
    for name, figure, target, met in rows:
        print(f"{name:{width}s}  {figure:34s} {target:18s} {met}")
    when = time.strftime("%Y-%m-%d")
    report = {"machine": machine, "date": when, "throughput": results, "skipped": skipped, "profile": profile,
              "suite": suite, "make_test": make_test, "verify": verify, "year": year, "speed": speed, "rows": rows,
              "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    (out / "latest.md").write_text(markdown(rows, machine, when, throughput_lines(results)))
    print(f"written: bench/results/latest.json and latest.md ({report['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
