"""The whole suite (cases and fuzz) against a live backend, in each of its three modes, proven safe on
a mock served over HTTP with a distribution queued for today: by the server's own access log and by
a dump of the state before and after.

- read-only: every write request it sends is refused (4xx) and nothing changes; signing in and out
  (the live sign-in checks, ``--admin-identifier``) are the only POSTs answered 2xx, and change nothing;
- --allow-writes: schedule, enabled flag and today's distribution are left exactly as found, and no
  declaration write (queue, modify, cancel) is ever accepted;
- --allow-distribution: only then is a distribution queued, modified or cancelled.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pyotp
import pytest

from ..conftest import PROOF_FUZZ
from ..pytest_runs import Run, run_one

SECRET = "NOVUNTMOCKADMINTOTPSECRETKEYABCD"  # BRIEF §9, the fixture admin
PASSWORD = "Admin123!"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
DECLARATION_WRITES = re.compile(r"/daily-declaration-returns/today/(queue|modify|cancel|force-reset)$")
ACCESS = re.compile(r"access (GET|PUT|POST|PATCH|DELETE) (\S+) (\d{3})")
SESSION = {"/api/v1/admin/login", "/api/v1/admin/logout"}  # signing in and out: no state of the backend's


def token(url: str, identifier: str) -> str:
    return httpx.post(f"{url}/__mock/tokens", json={"identifier": identifier}).json()["token"]


def state(url: str, admin: str) -> dict:
    headers = {"Authorization": f"Bearer {admin}"}
    schedule = httpx.get(f"{url}{SCHEDULE}", headers=headers).json()["data"]
    today = httpx.get(f"{url}{STATUS}", headers=headers).json()["data"]
    return {
        "schedule": (schedule["timezone"], schedule["schedules"], schedule["isEnabled"]),
        "day": (today["today"], today["values"], [(s["slotNumber"], s["rosPercentage"], s["status"])
                                                  for s in today["distributionSlots"]]),
    }  # fmt: skip


def queue_a_settled_day(url: str, admin: str) -> None:
    """Queue today's distribution with one slot far from now (already run, or hours ahead), so that
    nothing of it changes by itself while a run lasts."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Africa/Lagos"))
    at = now - timedelta(hours=2) if now.hour >= 3 else now + timedelta(hours=2)
    headers = {"Authorization": f"Bearer {admin}", "X-2FA-Code": pyotp.TOTP(SECRET).now()}
    body = {"timezone": "Africa/Lagos", "numberOfSlots": 1,
            "schedules": [{"slotNumber": 1, "hour": at.hour, "minute": at.minute, "second": 0}]}  # fmt: skip
    assert httpx.put(f"{url}{SCHEDULE}", headers=headers, json=body).status_code == 200
    queued = {"multiSlotEnabled": True, "distributionSlots": [{"slotNumber": 1, "rosPercentage": 1.25}],
              "rosPercentage": 1.25, "premiumPoolAmount": 100, "performancePoolAmount": 50}  # fmt: skip
    answer = httpx.post(f"{url}/api/v1/admin/daily-declaration-returns/today/queue", headers=headers, json=queued)
    assert answer.status_code == 201, answer.text


def writes_in(log: str) -> list[tuple[str, str, int]]:
    found = []
    for line in log.splitlines():
        match = ACCESS.search(line)
        if match and match.group(1) != "GET" and not match.group(2).startswith("/__mock"):
            found.append((match.group(1), match.group(2), int(match.group(3))))
    return found


def without_sessions(accepted: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """The accepted writes but signing in and out, which a read-only run must have done: the live
    sign-in checks ran (they change nothing: the state dump shows it)."""
    assert any(w[1] in SESSION for w in accepted), "no sign-in or sign-out accepted: the sign-in checks did not run"
    return [w for w in accepted if w[1] not in SESSION]


@pytest.fixture
def served(serve):
    url, log = serve()  # real time: the suite's live checks judge against the wall clock
    admin = token(url, "admin")
    queue_a_settled_day(url, admin)
    return url, log, admin


def run_package(url: str, admin: str, *mode: str) -> subprocess.CompletedProcess:
    args = [
        "--pyargs", "contract_tests", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=1", "--base-url", url,
        "--token", admin, "--totp-secret", SECRET, "--non-admin-token", token(url, "support"),
        "--admin-identifier", "admin@novunt.test", "--admin-password", PASSWORD, *mode,
    ]  # fmt: skip
    return run_one(Run(args, Path.cwd(), PROOF_FUZZ))


@pytest.mark.parametrize(
    "mode",
    [(), ("--allow-writes",), ("--allow-writes", "--allow-distribution")],
    ids=["read-only", "writes", "distribution"],
)
def test_each_mode_writes_only_what_it_may(served, mode):
    url, log, admin = served
    before = state(url, admin)
    mark = len(log.read_text(errors="replace"))
    run = run_package(url, admin, *mode)
    assert run.returncode == 0, "\n".join(line for line in run.stdout.splitlines() if not line.startswith("SKIPPED"))[
        -6000:
    ]
    assert "fuzz" in run.stdout or "test_fuzz" in run.stdout or "subtests passed" in run.stdout, "fuzz did not run"
    sent = writes_in(log.read_text(errors="replace")[mark:])
    after = state(url, admin)
    accepted = [w for w in sent if w[2] < 400]
    if not mode:
        accepted = without_sessions(accepted)
        assert accepted == [], f"a read-only run had writes accepted: {accepted[:5]}"
        assert after == before, "a read-only run changed the backend"
    elif "--allow-distribution" not in mode:
        assert after == before, "an --allow-writes run did not leave the backend as it found it"
        declaration = [w for w in accepted if DECLARATION_WRITES.search(w[1])]
        assert declaration == [], f"declaration writes accepted without --allow-distribution: {declaration[:5]}"
        assert any(w[1] == SCHEDULE for w in accepted), "no schedule write was made: the mode was not exercised"
    else:
        assert after["schedule"] == before["schedule"], "the schedule was not restored"
        assert any(DECLARATION_WRITES.search(w[1]) for w in sent), "the distribution mode sent no declaration write"
    leaked = [
        name for name, value in (("token", admin), ("secret", SECRET), ("password", PASSWORD)) if value in run.stdout
    ]
    assert not leaked, f"credentials reached the output: {leaked}"
