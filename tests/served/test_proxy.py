"""The validating proxy between the admin app's calls and a backend: silent on a correct one (the
mock), every planted drift reported once with its rule (the independent backend with faults),
writes refused unless allowed, no credential in its output or report."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from contract_tests.target import free_port, wait_until_answers
from mock_server.tools.proxy import Violation

from ..preloaded import Forked
from ..proof.independent_backend import FAULTS
from ..proof.test_verifier_on_independent_backend import Independent

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
PAGES = [  # what the admin app's pages read, in order (the reads of the TX07 replays)
    "/config?format=flat&includeTooltips=false",
    "/api/v1/rbac/my-permissions",
    SCHEDULE,
    "/api/v1/admin/cron-settings/timezones",
    "/cron-status",
    f"{SCHEDULE}/preview?timezone=UTC&slots=%5B%7B%22time%22%3A%2209%3A00%3A00%22%2C%22label%22%3A%22%22%7D%5D",
    "/api/v1/admin/pool/qualifiers",
    STATUS,
]


DECLARATIONS = "/api/v1/admin/daily-declaration-returns"
TODAYS_APP_WRITES = [
    ("PUT", SCHEDULE, {"timezone": "UTC", "numberOfSlots": 2, "schedules": [
        {"slotNumber": 1, "hour": 0, "minute": 0, "second": 1},
        {"slotNumber": 2, "hour": 23, "minute": 59, "second": 0}]}),
    ("POST", f"{DECLARATIONS}/today/queue", {"multiSlotEnabled": True, "rosPercentage": 2, "distributionSlots": [
        {"slotNumber": 1, "rosPercentage": 1}, {"slotNumber": 2, "rosPercentage": 1}]}),
    ("PATCH", f"{DECLARATIONS}/today/modify", {"description": "through the proxy"}),
    ("POST", f"{DECLARATIONS}/today/force-reset", {}),
    ("DELETE", f"{DECLARATIONS}/today/cancel", {}),
]  # fmt: skip


class Proxy:
    def __init__(self, upstream: str, tmp: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.report = tmp / "proxy-report.html"
        self.output = tmp / f"proxy-{self.port}.log"
        arguments = ["proxy", "--upstream", upstream, "--port", str(self.port), "--report", str(self.report), *options]
        self.process = Forked("mock_server", arguments, self.output)
        assert wait_until_answers(f"{self.url}/__proxy/requests", is_up=lambda: self.process.poll() is None)

    def read_pages(self, token: str, times: int = 2) -> None:
        with httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for _ in range(times):
                for path in PAGES:
                    client.get(path)

    def violations(self) -> list[dict]:
        return httpx.get(f"{self.url}/__proxy/requests").json()["violations"]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        return self.output.read_text()


def test_a_correct_backend_shows_no_violation_and_writes_pass_only_when_allowed(serve, tmp_path):
    upstream, _ = serve("--quiet")  # real time: the monitors judge against the wall clock
    admin = httpx.post(f"{upstream}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    read_only = Proxy(upstream, tmp_path)
    try:
        read_only.read_pages(admin)
        code = httpx.get(f"{upstream}/__mock/totp/admin").json()["code"]
        refused = httpx.patch(f"{read_only.url}{SCHEDULE}/toggle", json={"isEnabled": False, "twoFACode": code},
                              headers={"Authorization": f"Bearer {admin}"})  # fmt: skip
        assert refused.status_code == 403 and "read-only" in refused.json()["message"]
        assert httpx.get(f"{upstream}/cron-status").json()["isEnabled"] is True, "the write reached the backend"
        assert read_only.violations() == []
    finally:
        out = read_only.stop()
    assert "0 violation(s)" in out and admin not in out
    writer = Proxy(upstream, tmp_path, "--allow-writes")
    try:
        login = httpx.post(f"{writer.url}/api/v1/admin/login", json={"identifier": "admin", "password": "Admin123!"})
        assert login.status_code == 403  # today's app: the code first
        body = {"identifier": "admin", "password": "Admin123!", "twoFACode": code}
        token = httpx.post(f"{writer.url}/api/v1/admin/login", json=body).json()["data"]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        writer.read_pages(token, times=1)
        for method, path, body in TODAYS_APP_WRITES:  # as TX07 replays today's app, code in the body
            answer = httpx.request(method, f"{writer.url}{path}", json={**body, "twoFACode": code}, headers=auth)
            late = method == "DELETE" and answer.status_code == 404  # after 23:59 UTC nothing is left to cancel
            assert answer.status_code < 300 or late, (method, path, answer.text)
        off = httpx.patch(f"{writer.url}{SCHEDULE}/toggle", json={"isEnabled": False, "twoFACode": code}, headers=auth)
        assert off.status_code == 200 and writer.violations() == []
        journal = json.dumps(httpx.get(f"{writer.url}/__proxy/requests").json())
        assert token not in journal and "Admin123!" not in journal and code not in journal
    finally:
        writer.stop()


DRIFTS = {  # planted fault -> the rule the proxy must name
    "missing-schedule-field": "getDistributionSchedule",
    "errors-without-code": "the one error envelope",
    "completed-slot-pays-zero": "TC22",
    "today-in-utc": "TC27",
    "overdue-pending": "TC24",
    "reads-without-token": "the order of checks",
}


@pytest.mark.parametrize("fault", sorted(DRIFTS))
def test_each_drift_is_reported_once_with_its_rule(tmp_path, fault):
    assert fault in FAULTS
    if not drift_reported_once(tmp_path, fault):  # the calendar hid it (UTC midnight passed): once more
        assert drift_reported_once(tmp_path, fault), f"{fault}: not reported on a backend started after midnight"


def drift_reported_once(tmp_path: Path, fault: str) -> bool:
    """The proxy in front of a backend with ``fault`` names its rule once and nothing else; False when
    the calendar hid the fault from it (``Independent.calendar_hid``)."""
    drifted = Independent(fault)
    proxy = Proxy(drifted.url, tmp_path)
    try:
        proxy.read_pages(drifted.token)
        httpx.get(f"{proxy.url}{SCHEDULE}")  # no token: an error answer
        httpx.get(f"{proxy.url}{SCHEDULE}")
        found = [v for v in proxy.violations() if DRIFTS[fault] in v["rule"] or DRIFTS[fault] in v["problem"]]
        if not found and drifted.calendar_hid(fault):
            return False
        assert len(found) == 1, (fault, proxy.violations())
        others = [v for v in proxy.violations() if v not in found]
        assert not others, f"{fault}: violations beyond the planted drift: {others}"
    finally:
        out = proxy.stop()
        drifted.stop()
    assert out.count("VIOLATION") == 1 and drifted.token not in out
    report = proxy.report.read_text()
    assert DRIFTS[fault] in report and drifted.token not in report
    return True


def test_a_violation_is_one_console_line_whatever_the_path():
    forged = Violation("a rule", "timezone: 'x\r\nVIOLATION forged'", "GET", "/api\n200 OK\x1b[2J", 400).line()
    assert not any(ord(char) < 32 or ord(char) == 127 for char in forged), repr(forged)
    assert forged.startswith("VIOLATION GET /api") and forged.endswith("(a rule)")
