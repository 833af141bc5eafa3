"""Read-only monitors for the bugs the deployed backend really had, safe against production.

They read today's status and the saved schedule and fail, naming the case and the rule, when:
a COMPLETED slot paid nobody while stakes are paid elsewhere (the slot-2 bug, TC22); a PENDING slot
is overdue while the schedule is enabled (past-due slots never executed until a restart, TC24);
"today" is not the date in the schedule's zone (the UTC-date bug, TC27); the overall status or
``lastExecution`` contradicts the slots (TC21); slot instants do not match their zone and times (TC16).

Against the mock they first build a day that is half run, so each monitor has something to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ..contract import Exchange, check, expect
from ..helpers import SCHEDULE, STATUS, THREE_SLOTS, multi_queue, now_of, put_schedule, queue
from ..oracle import local_date, parse_instant, run_instant, wire_instant

LEGACY_ZONE = ZoneInfo("Africa/Lagos")  # BRIEF §6: the legacy single slot runs at 15:59:59 Lagos
FINISHED = ("COMPLETED", "FAILED")


@dataclass
class Observed:
    exchange: Exchange  # today's status, as read
    today: dict
    schedule: dict | None
    before: datetime  # our clock just before and after the reads
    after: datetime
    stake_count: int | None  # known on the mock only


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


def _zone(seen: Observed) -> ZoneInfo:
    return ZoneInfo(seen.schedule["timezone"]) if seen.schedule else LEGACY_ZONE


@pytest.mark.live_read
def test_tc22_monitor_no_completed_slot_paid_nobody(observed):
    rule = "BRIEF §6: each slot pays every active stake (the deployed slot-2 bug marked a slot COMPLETED paying none)"
    slots = observed.today["distributionSlots"]
    paid = {
        s["slotNumber"]: s["executionDetails"]["rosStats"]["processedStakes"]
        for s in slots
        if s["status"] == "COMPLETED" and s.get("executionDetails")
    }
    for number, count in paid.items():
        others = {n: c for n, c in paid.items() if n != number and c > 0}
        if observed.stake_count:
            check(observed.exchange, count > 0, f"slot {number} paying the {observed.stake_count} active stakes", rule)
        check(
            observed.exchange,
            count > 0 or not others,
            f"COMPLETED slot {number} paying stakes, as slot(s) {sorted(others)} did ({others})",
            rule,
        )


@pytest.mark.live_read
def test_tc24_monitor_no_overdue_pending_slot(observed, api):
    grace = timedelta(minutes=api.overdue_grace_minutes)
    rule = (
        f"BRIEF §6: a due slot runs when the clock reaches it (the deployed backend left past-due slots PENDING "
        f"until a restart); grace {grace}"
    )
    if observed.schedule is not None and not observed.schedule["isEnabled"]:
        return  # nothing runs while disabled: a pending slot is not overdue
    for slot in observed.today["distributionSlots"]:
        if slot["status"] == "PENDING":
            due = parse_instant(slot["scheduledFor"])
            check(
                observed.exchange,
                due + grace >= observed.before,
                f"slot {slot['slotNumber']} (due {slot['scheduledFor']}) executed by {wire_instant(due + grace)}; "
                f"it is still PENDING at {wire_instant(observed.before)}",
                rule,
            )


@pytest.mark.live_read
def test_tc27_monitor_today_is_the_local_date(observed):
    zone = _zone(observed)
    rule = f"BRIEF §0: 'today' is the date in the schedule's zone ({zone.key}), never the UTC date"
    allowed = {local_date(zone, observed.before), local_date(zone, observed.after)}
    found = date.fromisoformat(observed.today["today"])
    check(observed.exchange, found in allowed, f"today {sorted(allowed)[0]} (the date in {zone.key} now)", rule)


def _overall(statuses: list[str]) -> str:
    if not statuses:
        return "EMPTY"
    if "EXECUTING" in statuses:
        return "EXECUTING"
    if "FAILED" in statuses:
        return "FAILED"
    return "COMPLETED" if all(s == "COMPLETED" for s in statuses) else "PENDING"


@pytest.mark.live_read
def test_tc21_monitor_overall_status_and_last_execution(observed):
    rule = "BRIEF §7: overall status from the slots; lastExecution is the most recently finished slot"
    today = observed.today
    statuses = [s["status"] for s in today["distributionSlots"]]
    expected = _overall(statuses)
    check(
        observed.exchange,
        today["status"] in (expected, "SCHEDULED" if expected == "PENDING" else expected),
        f"overall status {expected} for slot statuses {statuses}",
        rule,
    )
    finished = [s for s in today["distributionSlots"] if s["status"] in FINISHED and s.get("executionDetails")]
    last = today.get("lastExecution")
    if not finished:
        check(observed.exchange, last is None, "lastExecution null while no slot has finished", rule)
        return
    latest = max(finished, key=lambda s: (s["executionDetails"]["executedAt"], s["slotNumber"]))
    details = latest["executionDetails"]
    check(
        observed.exchange,
        last is not None and last.get("executedAt") == details["executedAt"] and last.get("status") == latest["status"],
        f"lastExecution of slot {latest['slotNumber']}: {latest['status']} at {details['executedAt']}",
        rule,
    )


@pytest.mark.live_read
def test_tc16_monitor_slot_instants_match_the_schedule(observed):
    rule = "BRIEF §6/§7: each slot's scheduledFor is its scheduledTime on today's date in the schedule's zone"
    today = observed.today
    if not today["distributionSlots"]:
        return
    legacy = not today["multiSlotEnabled"]
    zone = LEGACY_ZONE if legacy else _zone(observed)
    saved = observed.schedule
    if not legacy and saved is not None:
        saved_times = {f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}" for s in saved["schedules"]}
        if {s["scheduledTime"] for s in today["distributionSlots"]} != saved_times:
            return  # the schedule changed after queueing: the day keeps its snapshot (BRIEF §3), not comparable
    day = date.fromisoformat(today["today"])
    for slot in today["distributionSlots"]:
        hour, minute, second = (int(part) for part in slot["scheduledTime"].split(":"))
        expected = wire_instant(run_instant(day, hour, minute, second, zone))
        check(
            observed.exchange,
            slot["scheduledFor"] == expected,
            f"slot {slot['slotNumber']} at {slot['scheduledTime']} {zone.key} on {day}: scheduledFor {expected}",
            rule,
        )
