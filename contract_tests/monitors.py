"""The read-only monitors for the bugs the deployed backend really had, as pure judgments of one reading.

One reading (``Observed``: today's status as read, the saved schedule, and the target's clock just
before and after the reads) goes in; the problems found come out, each a ``Finding`` that names its
case, the brief's rule, what was expected and the exchange that showed it. The contract suite's
monitors (``contract_tests/cases/test_tc_monitors.py``) fail on the first finding; ``watch`` turns
them into alerts that start and clear. The same code judges both, so a verdict cannot drift.

- TC22: a COMPLETED slot paid nobody while stakes are paid elsewhere (the deployed slot-2 bug);
- TC24: a PENDING slot is overdue while the schedule is enabled (past-due slots never ran until a restart);
- TC27: "today" is not the date in the schedule's zone (the UTC-date bug);
- TC21: the overall status or ``lastExecution`` contradicts the slots;
- TC16: slot instants do not match their zone and times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .contract import Exchange, fail
from .oracle import local_date, parse_instant, run_instant, wire_instant

LEGACY_ZONE = ZoneInfo("Africa/Lagos")  # BRIEF §6: the legacy single slot runs at 15:59:59 Lagos
FINISHED = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class Observed:
    """One reading of the target: today's status (its exchange and ``data``) and the saved schedule."""

    exchange: Exchange  # today's status, as read
    today: dict
    schedule: dict | None
    before: datetime  # the target's clock just before and after the reads
    after: datetime
    stake_count: int | None = None  # known on the mock only


@dataclass(frozen=True)
class Finding:
    """A problem one reading shows. ``key`` names the problem (not its evidence), so that the same
    problem seen on the next reading is the same finding."""

    case: str
    key: str
    expected: str
    rule: str
    exchange: Exchange | None
    day: str | None = None  # the distribution day it is about, if one


def raise_first(findings: list[Finding]) -> None:
    """The suite's verdict: the first finding, as a bug report (nothing when there is none)."""
    if findings:
        first = findings[0]
        fail(first.exchange, first.expected, first.rule)


def zone_of(seen: Observed) -> ZoneInfo:
    return ZoneInfo(seen.schedule["timezone"]) if seen.schedule else LEGACY_ZONE


def paid_nobody(seen: Observed) -> list[Finding]:
    """TC22: each COMPLETED slot paid stakes when another slot did (and every active stake, when known)."""
    rule = "BRIEF §6: each slot pays every active stake (the deployed slot-2 bug marked a slot COMPLETED paying none)"
    day = seen.today["today"]
    paid = {
        s["slotNumber"]: s["executionDetails"]["rosStats"]["processedStakes"]
        for s in seen.today["distributionSlots"]
        if s["status"] == "COMPLETED" and s.get("executionDetails")
    }
    found = []
    for number, count in paid.items():
        others = {n: c for n, c in paid.items() if n != number and c > 0}
        if seen.stake_count and not count > 0:
            expected = f"slot {number} paying the {seen.stake_count} active stakes"
        elif not (count > 0 or not others):
            expected = f"COMPLETED slot {number} paying stakes, as slot(s) {sorted(others)} did ({others})"
        else:
            continue
        found.append(Finding("TC22", f"TC22 {day} slot {number} paid nobody", expected, rule, seen.exchange, day))
    return found


def overdue_pending(seen: Observed, grace: timedelta) -> list[Finding]:
    """TC24: no PENDING slot is past its time (plus ``grace``) while the schedule is enabled."""
    rule = (
        f"BRIEF §6: a due slot runs when the clock reaches it (the deployed backend left past-due slots PENDING "
        f"until a restart); grace {grace}"
    )
    if seen.schedule is not None and not seen.schedule["isEnabled"]:
        return []  # nothing runs while disabled: a pending slot is not overdue
    day = seen.today["today"]
    found = []
    for slot in seen.today["distributionSlots"]:
        if slot["status"] != "PENDING":
            continue
        due = parse_instant(slot["scheduledFor"])
        if due + grace < seen.before:
            expected = (
                f"slot {slot['slotNumber']} (due {slot['scheduledFor']}) executed by {wire_instant(due + grace)}; "
                f"it is still PENDING at {wire_instant(seen.before)}"
            )
            key = f"TC24 {day} slot {slot['slotNumber']} overdue"
            found.append(Finding("TC24", key, expected, rule, seen.exchange, day))
    return found


def today_not_local(seen: Observed) -> list[Finding]:
    """TC27: ``today`` is the date in the schedule's zone, never the UTC date."""
    zone = zone_of(seen)
    rule = f"BRIEF §0: 'today' is the calendar date in the schedule's zone, here {zone.key}" + (
        "" if zone.key == "UTC" else ", not the UTC date"
    )
    allowed = {local_date(zone, seen.before), local_date(zone, seen.after)}
    if date.fromisoformat(seen.today["today"]) in allowed:
        return []
    expected = f"today {sorted(allowed)[0]} (the date in {zone.key} now)"
    return [Finding("TC27", "TC27 today is not the local date", expected, rule, seen.exchange)]


def overall(statuses: list[str]) -> str:
    """The day's status from its slots' (BRIEF §7)."""
    if not statuses:
        return "EMPTY"
    if "EXECUTING" in statuses:
        return "EXECUTING"
    if "FAILED" in statuses:
        return "FAILED"
    return "COMPLETED" if all(s == "COMPLETED" for s in statuses) else "PENDING"


def status_contradicts_slots(seen: Observed) -> list[Finding]:
    """TC21: the overall status follows the slots; ``lastExecution`` is the latest finished slot."""
    rule = "BRIEF §7: overall status from the slots; lastExecution is the most recently finished slot"
    today = seen.today
    day = today["today"]
    statuses = [s["status"] for s in today["distributionSlots"]]
    expected = overall(statuses)
    found = []
    if today["status"] not in (expected, "SCHEDULED" if expected == "PENDING" else expected):
        said = f"overall status {expected} for slot statuses {statuses}"
        found.append(Finding("TC21", f"TC21 {day} overall status", said, rule, seen.exchange, day))
    finished = [s for s in today["distributionSlots"] if s["status"] in FINISHED and s.get("executionDetails")]
    last = today.get("lastExecution")
    key = f"TC21 {day} lastExecution"
    if not finished:
        if last is not None:
            found.append(
                Finding("TC21", key, "lastExecution null while no slot has finished", rule, seen.exchange, day)
            )
        return found
    latest = max(finished, key=lambda s: (s["executionDetails"]["executedAt"], s["slotNumber"]))
    details = latest["executionDetails"]
    if not (
        last is not None and last.get("executedAt") == details["executedAt"] and last.get("status") == latest["status"]
    ):
        said = f"lastExecution of slot {latest['slotNumber']}: {latest['status']} at {details['executedAt']}"
        found.append(Finding("TC21", key, said, rule, seen.exchange, day))
    return found


def slot_instants_off(seen: Observed) -> list[Finding]:
    """TC16: each slot's scheduledFor is its scheduledTime on today's date in the schedule's zone."""
    rule = "BRIEF §6/§7: each slot's scheduledFor is its scheduledTime on today's date in the schedule's zone"
    today = seen.today
    if not today["distributionSlots"]:
        return []
    legacy = not today["multiSlotEnabled"]
    zone = LEGACY_ZONE if legacy else zone_of(seen)
    saved = seen.schedule
    if not legacy and saved is not None:
        saved_times = {f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}" for s in saved["schedules"]}
        if {s["scheduledTime"] for s in today["distributionSlots"]} != saved_times:
            return []  # the schedule changed after queueing: the day keeps its snapshot (BRIEF §3), not comparable
    day = date.fromisoformat(today["today"])
    found = []
    for slot in today["distributionSlots"]:
        hour, minute, second = (int(part) for part in slot["scheduledTime"].split(":"))
        expected = wire_instant(run_instant(day, hour, minute, second, zone))
        if slot["scheduledFor"] != expected:
            said = f"slot {slot['slotNumber']} at {slot['scheduledTime']} {zone.key} on {day}: scheduledFor {expected}"
            key = f"TC16 {day} slot {slot['slotNumber']} instant"
            found.append(Finding("TC16", key, said, rule, seen.exchange, day.isoformat()))
    return found


# The read-only monitors by name, as ``watch`` runs them on every reading (TC24 with its grace).
READ_ONLY: dict[str, Callable[..., list[Finding]]] = {
    "tc16-slot-instants": slot_instants_off,
    "tc21-overall-status": status_contradicts_slots,
    "tc22-paid-nobody": paid_nobody,
    "tc24-overdue-pending": overdue_pending,
    "tc27-local-today": today_not_local,
}
