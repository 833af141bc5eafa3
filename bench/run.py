"""Benchmarks, in one run (about 2 minutes on 2 cores):

1. throughput and latency of GET /cron-status, GET .../distribution-schedule and GET .../today/status
   on the mock (uvicorn, request validation on), against a bare Starlette app returning the same
   bytes (the ceiling) and Stoplight Prism's mock on the same document (when Node and Prism are
   installed: `npm ci --prefix tools`); each server pinned to one core, the load client to the other;
2. the time of the whole contract suite in-process;
3. the time to simulate a year: 365 days of 10 slots over the fixture stakes.

Prints a table with ratios and writes bench/results/latest.json.  `make bench` runs it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import measure  # noqa: E402
from bench.year import simulate_year  # noqa: E402
from contract_tests.helpers import MULTI_QUEUE, QUEUE, THREE_SLOTS  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PATHS = {
    "cron-status": "/cron-status",
    "schedule": "/api/v1/admin/cron-settings/distribution-schedule",
    "today-status": "/api/v1/admin/daily-declaration-returns/today/status",
}
SERVER_CPU, CLIENT_CPU = 0, 1
PRISM = ROOT / "tools" / "node_modules" / ".bin" / "prism"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def load(port: int, path: str, headers: dict) -> dict:
    """Run the load client in its own process, pinned to the other core."""
    with multiprocessing.get_context("fork").Pool(1, initializer=pin(CLIENT_CPU)) as pool:
        measure_args = ("127.0.0.1", port, path, headers)
        pool.apply(measure, measure_args, {"connections": CONNECTIONS, "seconds": 0.5})  # warm-up
        return pool.apply(measure, measure_args, {"connections": CONNECTIONS, "seconds": SECONDS})


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
    results: dict[str, dict] = {}
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--quiet", "--frozen",
               "--start-time", "2026-02-12T07:00:00Z"]  # fmt: skip
    mock = start(command, port)
    try:
        headers = mock_session(port)
        recorded = {path: httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers).text for path in PATHS.values()}
        results["mock"] = {name: load(port, path, headers) for name, path in PATHS.items()}
    finally:
        mock.terminate()
        mock.wait()

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(recorded, handle)
    port = free_port()
    bare = start([sys.executable, str(ROOT / "bench" / "bare_app.py"), handle.name, str(port)], port)
    try:
        results["bare-starlette"] = {name: load(port, path, headers) for name, path in PATHS.items()}
    finally:
        bare.terminate()
        bare.wait()

    skipped = {}
    if PRISM.exists() and shutil.which("node"):
        port = free_port()
        prism = start([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), "openapi/contract.yaml"], port)
        try:
            results["prism"] = {name: load(port, path, headers) for name, path in PATHS.items()}
        finally:
            prism.terminate()
            prism.wait()
    else:
        skipped["prism"] = "Prism is not installed: npm ci --prefix tools (needs Node)"
    return results, skipped


def suite_seconds() -> dict:
    timings = {}
    for name, package in (("cases", "contract_tests.cases"), ("whole-suite", "contract_tests")):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", package, "-q", "-p", "no:cacheprovider",
             "--hypothesis-seed=1", "-p", "no:warnings"],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        timings[name] = {"seconds": round(time.perf_counter() - started, 2), "passed": done.returncode == 0}
    return timings


def table(results: dict) -> list[str]:
    lines = [f"{'server':16s} {'endpoint':14s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}"]
    for server, by_path in results.items():
        for name, row in by_path.items():
            figures = f"{row['rps']:9.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} {row['errors']:7d}"
            lines.append(f"{server:16s} {name:14s} {figures}")
    lines.append("")
    for name in PATHS:
        mock = results["mock"][name]["rps"]
        ratios = [f"mock/bare = {mock / results['bare-starlette'][name]['rps']:.2f} (target >= 0.33)"]
        if "prism" in results:
            ratios.append(f"mock/prism = {mock / results['prism'][name]['rps']:.2f} (target >= 2)")
        lines.append(f"{name:14s} " + ", ".join(ratios))
    return lines


def main() -> int:
    started = time.perf_counter()
    machine = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }
    print(f"machine: {machine}", flush=True)
    print(
        f"load: {CONNECTIONS} keep-alive connections, {SECONDS:g} s per endpoint, server and client on separate cores"
    )
    results, skipped = throughput()
    for line in table(results):
        print(line)
    for name, reason in skipped.items():
        print(f"{name}: skipped ({reason})")
    suite = suite_seconds()
    print(f"contract cases in-process: {suite['cases']['seconds']} s; whole suite with Schemathesis: "
          f"{suite['whole-suite']['seconds']} s (target < 10 s)")  # fmt: skip
    year = simulate_year()
    print(f"simulated year: {year['slots']} slots over {year['days']} days in {year['seconds']} s (target < 10 s)")
    report = {"machine": machine, "throughput": results, "skipped": skipped, "suite": suite, "year": year,
              "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    print(f"written: bench/results/latest.json ({report['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
