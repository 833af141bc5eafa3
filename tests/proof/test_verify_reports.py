"""What `novunt-mock verify` (and the suite run by pytest) tells QA: a run that says how much it
checked, counts that add up, no false green, a failing case's line with what came back, --strict's
reasons last, a JUnit file and a report that name cases and record the run (its seed, to replay it),
one line and exit 2 for a target it cannot use, and a running mock left on the wall clock."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contract_tests.catalogue import CASES
from mock_server.cli import main
from mock_server.tools.journal_client import RequestJournal

from ..conftest import PROOF_FUZZ
from ..preloaded import run_module

ROOT = Path(__file__).resolve().parents[2]
REWRITE_WARNING_IS_AN_ERROR = ["-W", "error::pytest.PytestAssertRewriteWarning"]
OUTCOME = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)\b")


def as_typed() -> dict[str, str]:
    """The environment of a command a person types: without this run's PYTEST_ADDOPTS."""
    return {name: value for name, value in os.environ.items() if name != "PYTEST_ADDOPTS"}


def verify(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m mock_server verify ARGUMENTS``, forked from the tests' preloaded interpreter."""
    return run_module("mock_server", ["verify", *arguments], env=env)


def closing_of(output: str) -> str:
    return next(line for line in output.splitlines() if " cases: " in line)


def counted(text: str) -> Counter[str]:
    """``3 passed, 1 failed, 0 skipped``: the non-zero counts (pytest names no zero)."""
    found: Counter[str] = Counter()
    for n, word in OUTCOME.findall(text):
        found["error" if word.startswith("error") else word] += int(n)
    return +found


def pytest_closing(output: str) -> str:
    """pytest's own last line of totals (``==== 3 passed, 1 skipped in 0.5s ====``)."""
    return [line for line in output.splitlines() if re.match(r"^=+ .* in [\d.]+s", line)][-1]


@pytest.mark.parametrize(
    ("target", "says"),
    [("http://127.0.0.1:9", "cannot reach http://127.0.0.1:9"), ("not-a-url", "is not an http(s) URL")],
)
def test_an_unusable_target_is_one_line_and_exit_2(target, says):
    command = [sys.executable, "-m", "mock_server", "verify", target]  # a new interpreter, as QA starts it
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2
    assert says in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "passed" not in run.stdout


def test_junit_names_cases_and_records_the_run(tmp_path):
    junit = tmp_path / "report.xml"
    run = verify("-k", "tc01_public", f"--junitxml={junit}", "-x")
    assert run.returncode == 0, run.stdout[-2000:]
    tree = ElementTree.parse(junit)
    names = [case.get("name") for case in tree.iter("testcase")]
    assert names and all(name.startswith("TC01 Public status: test_tc01_") for name in names if "tc01" in name), names
    properties = {p.get("name"): p.get("value") for p in tree.iter("property")}
    assert properties["target"] == "in-process mock" and properties["mode"] == "mock", properties
    assert properties["contract_version"], properties
    assert "1 cases: 1 passed, 0 failed, 0 skipped" in run.stdout


def test_the_seed_used_is_recorded_with_how_to_replay_it(tmp_path):
    """Not ``seed: random``: the number the run drew its examples from, in the JUnit file, the report
    and the terminal, and the one given when it was given."""
    junit, html = tmp_path / "drawn.xml", tmp_path / "drawn.html"
    drawn = verify("-k", "tc01_public", f"--junitxml={junit}", f"--report={html}")
    given = verify("-k", "tc01_public", f"--junitxml={tmp_path / 'given.xml'}", "--hypothesis-seed=4242")
    assert drawn.returncode == given.returncode == 0, drawn.stdout[-2000:] + given.stdout[-2000:]
    properties = {p.get("name"): p.get("value") for p in ElementTree.parse(junit).iter("property")}
    seed = properties["seed"]
    assert seed.isdigit() and properties["replay"] == f"--hypothesis-seed={seed}", properties
    assert f"replay this run's examples: --hypothesis-seed={seed}" in drawn.stdout, drawn.stdout[-1500:]
    report = html.read_text()
    assert f"seed: <b>{seed}</b>" in report and f"--hypothesis-seed={seed}" in report
    again = {p.get("name"): p.get("value") for p in ElementTree.parse(tmp_path / "given.xml").iter("property")}
    assert again["seed"] == "4242" and "seed: 4242" in given.stdout, again


@pytest.fixture
def live_mock(serve):
    url, _log = serve()
    admin = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    return url, admin


def test_a_failing_case_s_line_says_what_came_back(live_mock):
    url, _admin = live_mock
    expired = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin", "expiresIn": -60}).json()["token"]
    run = verify(url, "--as-live", "--token", expired, "-k", "tc02")
    assert run.returncode == 1, run.stdout[-2000:]
    (line,) = [line for line in run.stdout.splitlines() if line.startswith("TC02 ")]
    assert "FAILED" in line and "expected 200, got: 401 UNAUTHORIZED" in line and "(BRIEF §1" in line, line
    assert expired not in run.stdout + run.stderr and expired.split(".")[1] not in run.stdout


def sent_since(journal: RequestJournal, since: int) -> list[str]:
    """What the served mock was sent after journal entry ``since``: each request's method, path, query
    and body, in any order."""
    sent = journal.find(since=since, limit=100000)
    return sorted(repr((one["method"], one["path"], sorted(one["query"].items()), one["body"])) for one in sent)


def test_the_counts_add_up_strict_says_why_last_and_the_seed_replays_the_run(live_mock, tmp_path):
    """Each skipped case counted once; the suite's tests as pytest counts them; the JUnit file's totals
    over the testcases it holds (the fuzz's subtests are not tests of their own); --strict's reasons
    as the last lines, after pytest's; and the seed the run printed, given back, sends the same
    requests again (a read-only run of a served mock, cases and fuzz, by its journal)."""
    url, admin = live_mock
    junit = tmp_path / "run.xml"
    arguments = [url, "--as-live", "--token", admin, "--strict", "-k", "tc0 or tx1 or fuzz_every"]
    journal = RequestJournal(url)
    since = journal.find(limit=1)[-1]["id"]
    run = verify(*arguments, f"--junitxml={junit}", env=PROOF_FUZZ)
    assert run.returncode == 1, run.stdout[-3000:]
    first = sent_since(journal, since)
    closing = closing_of(run.stdout)
    cases = re.match(r"\d+ cases: \d+ passed, \d+ failed, (\d+) skipped \(([^)]*)\)", closing)
    assert cases, closing
    assert sum(int(n) for n in re.findall(r"(\d+) (?:need|for)", cases.group(2))) == int(cases.group(1)), closing
    tests = counted(closing.split("; tests: ")[1])
    assert tests == counted(pytest_closing(run.stdout)), (closing, pytest_closing(run.stdout))
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    held = suite.findall("testcase")
    assert int(suite.get("tests")) == len(held) == sum(tests.values()), suite.attrib
    assert int(suite.get("skipped")) == sum(1 for case in held if case.find("skipped") is not None)
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    last_of_pytest = max(i for i, line in enumerate(lines) if re.match(r"^=+ .* in [\d.]+s", line))
    why = lines[last_of_pytest + 1 :]
    assert why and why[0].startswith("--strict (--contract-strict) failed the run"), lines[-5:]
    assert len(why) > 1 and all(line.startswith("--strict: ") for line in why[1:]), why

    said = re.search(r"replay this run's examples: (--hypothesis-seed=\d+)", run.stdout)
    assert said, run.stdout[-1500:]
    since = journal.find(limit=1)[-1]["id"]
    again = verify(*arguments, said.group(1), env=PROOF_FUZZ)
    assert f"replay this run's examples: {said.group(1)}" in again.stdout, again.stdout[-1500:]
    assert len(first) > 50 and sent_since(journal, since) == first, "the seed given back sent other requests"
    journal.close()


def test_no_false_green_the_summary_says_what_was_not_checked(live_mock):
    url, admin = live_mock
    run = verify(url, "--as-live", "--token", admin, "-k", "tc06 or tc07 or tc13")
    assert run.returncode == 0, run.stdout[-2000:]
    closing = next(line for line in run.stdout.splitlines() if " cases: " in line)
    assert "need --totp-secret" in closing or "need --allow-writes" in closing, closing
    strict = verify(url, "--as-live", "--token", admin, "-k", "tc06 or tc07 or tc13", "--strict")
    assert strict.returncode == 1, strict.stdout[-2000:]
    assert "--strict: TC13 was not fully checked: it needs --totp-secret" in strict.stdout, strict.stdout[-2000:]


def test_a_running_mock_is_recognised_and_gets_the_mock_profile(live_mock):
    url, _admin = live_mock
    run = verify(url, "-k", "tc24")
    assert run.returncode == 0, run.stdout[-2000:]
    assert "is a novunt mock" in run.stderr and "running the mock profile" in run.stderr
    assert "mode: mock" in run.stdout and "TC24  Disabled schedule                PASSED" in run.stdout


def test_the_schemathesis_cli_is_clean_on_the_mock(serve):
    """README: `st run openapi/contract.yaml --url ... -H 'Authorization: Bearer T' --checks all` (every phase)
    with the project's schemathesis.toml: the CLI, its checks and the shipped configuration together, in
    the phases that draw examples (two per operation); the coverage phase, deterministic, is the
    in-process fuzz's (test_fuzz_every_operation, the same checks and statuses: the test below); the
    full run by hand."""
    url, _log = serve()
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "ops"}).json()["token"]
    arguments = [
        "run", "openapi/contract.yaml", "--url", url,
        "-H", f"Authorization: Bearer {token}", "--checks", "all",
        "--phases", "examples,fuzzing,stateful", "--max-examples", "2", "--seed", "1",
    ]  # fmt: skip
    run = run_module("schemathesis.cli", arguments, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:]
    assert token not in run.stdout


def test_the_suite_and_the_cli_allow_the_same_statuses():
    import tomllib

    from contract_tests.fuzz.test_schemathesis import CONFIG

    shipped = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    assert shipped == tomllib.loads(CONFIG)


def test_no_assert_rewrite_warning_in_runs_started_as_a_user_starts_them(live_mock, tmp_path):
    """A new interpreter, as a person types it: verify (which looks at the target before pytest starts),
    with pytest's "already imported" warning an error (a plain pytest run: the test below)."""
    url, admin = live_mock
    command = [sys.executable, "-m", "mock_server", "verify", url, "--as-live", "--token", admin,
               "-k", "tc01_public", "--", *REWRITE_WARNING_IS_AN_ERROR]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=as_typed(), cwd=tmp_path)
    said = run.stdout + run.stderr
    assert run.returncode == 0 and "PytestAssertRewriteWarning" not in said, said[-3000:]


def test_verify_help_counts_the_cases(capsys):
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    last = max(case for case in CASES if case.startswith("TX"))
    assert f"Run the {len(CASES)} contract cases" in shown and f"TX01-{last}" in shown, shown


def test_a_plain_run_on_a_running_mock_leaves_it_on_the_wall_clock_running(live_mock, tmp_path):
    """``pytest --pyargs contract_tests --mock-url URL``, spread over pytest-xdist, typed in a new
    interpreter (pytest's "already imported" warning an error): the suite, not only verify, puts the
    mock back, once, after every worker is done, and says so in one line."""
    pytest.importorskip("xdist")
    url, _admin = live_mock
    command = [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "-p", "no:cacheprovider",
               "--mock-url", url, "-k", "tc24 or tc27", "-n", "1", *REWRITE_WARNING_IS_AN_ERROR]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, env=as_typed(), cwd=tmp_path)
    assert run.returncode == 0 and "PytestAssertRewriteWarning" not in run.stdout + run.stderr, run.stdout[-3000:]
    said = [line for line in run.stdout.splitlines() if "left the mock" in line]
    assert len(said) == 1 and "running" in said[0], said
    clock = httpx.get(f"{url}/__mock/clock").json()
    now = datetime.fromisoformat(clock["now"].replace("Z", "+00:00"))
    assert clock["frozen"] is False and abs(now - datetime.now(UTC)) < timedelta(seconds=60), clock
