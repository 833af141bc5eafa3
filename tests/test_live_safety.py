"""Against a live backend the suite is read-only by default: proven on a mock served over HTTP,
by the server's own access log and by reading the state back."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest


@pytest.fixture
def served(serve):
    return serve()


def state(url: str, token: str) -> tuple:
    headers = {"Authorization": f"Bearer {token}"}
    schedule = httpx.get(f"{url}/api/v1/admin/cron-settings/distribution-schedule", headers=headers).json()["data"]
    today = httpx.get(f"{url}/api/v1/admin/daily-declaration-returns/today/status", headers=headers).json()["data"]
    return schedule["schedules"], schedule["timezone"], schedule["isEnabled"], schedule["updatedAt"], today["status"]


def run_suite(package: str, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", "--pyargs", package, "-q", "-p", "no:cacheprovider", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def test_read_only_run_changes_nothing_and_fuzzes_only_gets(served):
    url, log = served
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    before = state(url, token)
    run = run_suite("contract_tests", "--base-url", url, "--token", token)
    assert run.returncode == 0, run.stdout[-3000:]
    assert state(url, token) == before, "a read-only run changed the backend"
    accepted_writes = [
        line
        for line in log.read_text(errors="replace").splitlines()
        if (m := re.search(r"access (PUT|POST|PATCH|DELETE) (\S+) (\d{3})", line))
        and not m.group(2).startswith("/__mock")
        and not m.group(3).startswith("4")
    ]
    assert accepted_writes == [], f"write requests were accepted: {accepted_writes[:5]}"
    assert token not in run.stdout, "the token leaked into the output"


def test_write_run_restores_what_it_found(served):
    url, _log = served
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    before = state(url, token)
    secret = "NOVUNTMOCKADMINTOTPSECRETKEYABCD"
    run = run_suite(
        "contract_tests.cases", "--base-url", url, "--token", token, "--totp-secret", secret, "--allow-writes"
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "TC08  Update schedule                  PASSED" in run.stdout
    after = state(url, token)
    assert after[:3] == before[:3], "the schedule, timezone or enabled flag was not restored"
    assert after[4] == before[4] == "EMPTY", "nothing may be queued without --allow-distribution"
    assert "NOVUNTMOCKADMINTOTPSECRETKEYABCD" not in run.stdout, "the TOTP secret leaked into the output"
