"""`watch` over whole days on the in-process mock (driven poll by poll between clock moves): a day that
ends with slots never run, a FAILED slot released by a visible force-reset (no "went back"), and a
slot that goes back with no force-reset to see (a backend's regression, replayed to the tracker)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from contract_tests.contract import Exchange
from contract_tests.in_process import in_process
from contract_tests.oracle import parse_instant
from contract_tests.redaction import Secrets
from contract_tests.watch.checks import Judged, View
from contract_tests.watch.reading import Poll, Reader
from contract_tests.watch.tracking import Tracker
from contract_tests.watch.watcher import Options, Watcher

from ..conftest import make_app
from .test_watch import DECLARATIONS, QUEUED, SCHEDULE, THREE_SLOTS, Collect


class Rewriting(httpx.BaseTransport):
    """The in-process mock with one answer changed: ``rewrite(path, body)`` edits a JSON body."""

    def __init__(self, inner: httpx.BaseTransport, rewrite) -> None:
        self.inner, self.rewrite = inner, rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inner.handle_request(request)
        body = json.loads(answer.read())
        return httpx.Response(answer.status_code, json=self.rewrite(request.url.path, body), request=request)


class InProcess:
    def __init__(self, start: str = "2026-02-12T07:00:00.000Z", rewrite=None) -> None:
        self.client = in_process(make_app(start))
        minted = self.client.post("/__mock/tokens", json={"identifier": "admin", "expiresIn": 7 * 86400})
        self.token = minted.json()["token"]
        self.seen = Collect()
        client = in_process(self.client.app)
        if rewrite is not None:
            client = httpx.Client(transport=Rewriting(client.transport, rewrite), base_url=str(client.base_url))
        reader = Reader(client, token=self.token, secrets=Secrets())
        self.watcher = Watcher(reader, Options(slow_ms=60000), target="in-process", outputs=[self.seen])

    def admin(self, method: str, path: str, body: dict) -> None:
        code = self.client.get("/__mock/totp/admin").json()["code"]
        headers = {"Authorization": f"Bearer {self.token}", "X-2FA-Code": code}
        answer = self.client.request(method, path, json=body, headers=headers)
        assert answer.status_code < 300, answer.text

    def until(self, instant: str) -> None:
        assert self.client.post("/__mock/clock/advance", json={"until": instant}).status_code == 200
        self.watcher.poll_once()


def test_a_day_that_ends_with_slots_never_run_is_one_alert_naming_tc24():
    mock = InProcess()
    mock.admin("PUT", SCHEDULE, THREE_SLOTS)
    mock.admin("POST", f"{DECLARATIONS}/today/queue", QUEUED)
    mock.until("2026-02-12T09:00:00.000Z")  # slot 1 ran
    mock.admin("PATCH", f"{SCHEDULE}/toggle", {"isEnabled": False})  # nothing runs while disabled
    for instant in ("2026-02-12T20:30:00.000Z", "2026-02-12T22:59:00.000Z", "2026-02-12T23:01:00.000Z",
                    "2026-02-12T23:30:00.000Z"):  # fmt: skip
        mock.until(instant)
    assert mock.seen.alerts() == [("alert", "day-end", "TC24 2026-02-12 slot never run")]
    alert = next(e for e in mock.seen.events if e.kind == "alert")
    assert "slot 2: Not executed" in alert.message and "slot 3: Not executed" in alert.message
    assert "history" in alert.exchange and alert.case == "TC24"


def test_a_failed_slot_released_by_a_visible_force_reset_clears_and_never_went_back():
    mock = InProcess()
    mock.admin("PUT", SCHEDULE, THREE_SLOTS)
    mock.admin("POST", f"{DECLARATIONS}/today/queue", QUEUED)
    assert mock.client.post("/__mock/faults", json={"slotNumber": 2, "effect": "fail"}).status_code < 300
    mock.until("2026-02-12T14:30:00.000Z")
    mock.admin("POST", f"{DECLARATIONS}/today/force-reset", {})  # slot 2 runs again at once, and completes
    mock.watcher.poll_once()
    mock.until("2026-02-12T20:30:00.000Z")
    assert mock.seen.alerts() == [
        ("alert", "failed-slot", "TC23 2026-02-12 slot 2 FAILED"),
        ("clear", "failed-slot", "TC23 2026-02-12 slot 2 FAILED"),
    ]


def slot(status: str, paid: float = 0) -> dict:
    details = None
    if status in ("COMPLETED", "FAILED"):
        stats = {"usersReceived": 1, "totalDistributed": 1.0}
        ros = {"processedStakes": 3, "totalDistributed": paid}
        details = {"executedAt": "2026-02-12T08:00:00.000Z", "rosStats": ros, "premiumPoolStats": stats,
                   "performancePoolStats": stats, "executionTimeMs": 3, "error": None}  # fmt: skip
    return {"slotNumber": 1, "status": status, "executionDetails": details}


def test_a_completed_slot_back_to_pending_is_an_alert_until_it_completes_and_then_its_amounts_are():
    tracker = Tracker(timedelta(minutes=10), timedelta(minutes=5))
    exchange = Exchange("GET", "/api/v1/admin/daily-declaration-returns/today/status", None, 200, {}, "{}")
    found = []
    at = parse_instant("2026-02-12T09:00:00Z")
    for status, paid, resets in (("COMPLETED", 30, 0), ("PENDING", 0, 1), ("COMPLETED", 60, 0), ("COMPLETED", 60, 0)):
        judged = Judged(view=View(status={"today": "2026-02-12", "distributionSlots": [slot(status, paid)]},
                                  status_exchange=exchange))  # fmt: skip
        tracker.update(Poll({}, at, at, on_mock=True, resets=resets), judged)
        found.append(sorted(finding.key for _, finding in judged.found))
        at += timedelta(minutes=1)
    went_back, amounts = "TC21 2026-02-12 slot 1 went back", "TC22 2026-02-12 slot 1 amounts changed"
    assert found == [[], [went_back], [amounts], [amounts]]  # a force-reset never releases a COMPLETED slot


def test_cron_status_next_execution_off_the_saved_schedule_is_one_alert_naming_tc01():
    def an_hour_late(path: str, body: dict) -> dict:
        if path == "/cron-status" and "nextExecution" in body:
            late = parse_instant(body["nextExecution"]["time"]) + timedelta(hours=1)
            body["nextExecution"]["time"] = late.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return body

    mock = InProcess(rewrite=an_hour_late)
    mock.admin("PUT", SCHEDULE, THREE_SLOTS)
    for instant in ("2026-02-12T07:30:00.000Z", "2026-02-12T10:00:00.000Z", "2026-02-12T16:00:00.000Z"):
        mock.until(instant)
    assert mock.seen.alerts() == [("alert", "next-executions", "TC01 nextExecution")]
    alert = next(e for e in mock.seen.events if e.kind == "alert")
    assert "/cron-status nextExecution slot 1 at 2026-02-12T08:00:00.000Z" in alert.message, alert.line()
    assert alert.exchange == "GET /cron-status -> 200"
