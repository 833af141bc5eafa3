"""What `novunt-mock verify` tells QA: a run that says how much it checked, no false green, a JUnit
file that names cases and records the run, one line and exit 2 for a target it cannot use."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx
import pytest

from .preloaded import run_module

ROOT = Path(__file__).resolve().parent.parent


def verify(*arguments: str) -> subprocess.CompletedProcess:
    """``python -m mock_server verify ARGUMENTS``, forked from the tests' preloaded interpreter."""
    return run_module("mock_server", ["verify", *arguments])


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
    assert properties["seed"] and properties["contract_version"], properties
    assert "1 cases: 1 passed, 0 failed, 0 skipped" in run.stdout


@pytest.fixture
def live_mock(serve):
    url, _log = serve()
    admin = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    return url, admin


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
    with the project's schemathesis.toml; a few examples per operation here, the full run by hand."""
    url, _log = serve()
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "ops"}).json()["token"]
    arguments = [
        "run", "openapi/contract.yaml", "--url", url,
        "-H", f"Authorization: Bearer {token}", "--checks", "all", "--max-examples", "5", "--seed", "1",
    ]  # fmt: skip
    run = run_module("schemathesis.cli", arguments, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:]
    assert token not in run.stdout


def test_the_suite_and_the_cli_allow_the_same_statuses():
    import tomllib

    from contract_tests.fuzz.test_schemathesis import CONFIG

    shipped = tomllib.loads((ROOT / "schemathesis.toml").read_text())
    assert shipped == tomllib.loads(CONFIG)
