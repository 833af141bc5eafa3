"""Read-only monitors for the bugs the deployed backend really had, safe against production.

They read today's status and the saved schedule and fail, naming the case and the rule, when:
a COMPLETED slot paid nobody while stakes are paid elsewhere (the slot-2 bug, TC22); a PENDING slot
is overdue while the schedule is enabled (past-due slots never executed until a restart, TC24);
"today" is not the date in the schedule's zone (the UTC-date bug, TC27); the overall status or
``lastExecution`` contradicts the slots (TC21); slot instants do not match their zone and times (TC16).

The judgments are ``contract_tests.monitors``, the same code ``watch`` runs on every poll; here a case
fails on the first problem found. Against the mock they first build a day that is half run, so each
monitor has something to judge.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from .. import monitors
from ..contract import expect
from ..helpers import SCHEDULE, STATUS, THREE_SLOTS, multi_queue, now_of, put_schedule, queue
from ..monitors import Observed


@pytest.fixture
def observed(api, admin) -> Observed:
    stakes = None
    if api.is_mock:
        put_schedule(api, THREE_SLOTS)
        queue(api, multi_queue(1.5, 2.0, 1.0))
        api.control.advance(until="2026-02-12T14:30:00.000Z")  # slots 1 (09:00) and 2 (15:00 Lagos) ran
        stakes = len(api.control.active_stakes())
    before = now_of(api)
    schedule = api.request("GET", SCHEDULE, headers=api.auth())
    exchange = api.request("GET", STATUS, headers=api.auth())
    after = now_of(api)
    today = expect(exchange, 200, "BRIEF §7")["data"]
    saved = schedule.json()["data"] if schedule.status == 200 else None
    return Observed(exchange, today, saved, before, after, stakes)


@pytest.mark.live_read
def test_tc22_monitor_no_completed_slot_paid_nobody(observed):
    monitors.raise_first(monitors.paid_nobody(observed))


@pytest.mark.live_read
def test_tc24_monitor_no_overdue_pending_slot(observed, api):
    monitors.raise_first(monitors.overdue_pending(observed, timedelta(minutes=api.overdue_grace_minutes)))


@pytest.mark.live_read
def test_tc27_monitor_today_is_the_local_date(observed):
    monitors.raise_first(monitors.today_not_local(observed))


@pytest.mark.live_read
def test_tc21_monitor_overall_status_and_last_execution(observed):
    monitors.raise_first(monitors.status_contradicts_slots(observed))


@pytest.mark.live_read
def test_tc16_monitor_slot_instants_match_the_schedule(observed):
    monitors.raise_first(monitors.slot_instants_off(observed))
