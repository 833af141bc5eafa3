"""What only watching shows: each slot's status followed from poll to poll, and each day to its end.

- a slot EXECUTING longer than ``stuck_after`` (counted from the first poll that saw it EXECUTING);
- a slot that went back: out of COMPLETED at all (a force-reset never touches one), or out of FAILED or
  EXECUTING with no force-reset visible (the mock's journal shows one; a live backend shows none);
- a COMPLETED slot whose amounts change afterwards (paid twice, or rewritten);
- a day that ended with a slot never run ("Not executed"), or lost a slot that was still PENDING
  (not among the history's finished days once the next day began, past the grace);
- a history record whose totals differ from what today's status showed for that day.

The state is bounded: the slots of today and of the day before it, nothing else (a week of polls
holds what one day does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..contract import Exchange
from ..monitors import FINISHED, LEGACY_ZONE, Finding
from ..oracle import money, run_instant
from .checks import Judged
from .reading import Poll

RANK = {"PENDING": 0, "EXECUTING": 1, "COMPLETED": 2, "FAILED": 2}
KEEP_DAYS = 2  # today and the day before it
LIFECYCLE = "BRIEF §6: each slot moves PENDING -> EXECUTING -> COMPLETED, or FAILED with an error"
RESET = "§10: a force-reset puts EXECUTING and FAILED slots back to PENDING, never a COMPLETED one"
ONCE = "BRIEF §6: each active stake is paid at most once per (stake, date, slot); a COMPLETED slot is final"
DAY_END = "BRIEF §6: a slot still PENDING when its day ends becomes FAILED 'Not executed: ...', never dropped"
HISTORY = "BRIEF §10/§11: the history is computed from the same days and ledger as today's status"


@dataclass
class SlotSeen:
    status: str
    executing_since: datetime | None = None
    paid: tuple | None = None  # the amounts it first showed COMPLETED
    back: str | None = None  # while it went back: what it should have stayed (the alert's text beside it)
    back_text: str = ""


@dataclass
class DaySeen:
    date: str
    slots: dict[int, SlotSeen] = field(default_factory=dict)
    unfinished: list[int] = field(default_factory=list)  # PENDING or EXECUTING at the latest reading
    totals: tuple[Decimal, Decimal] | None = None  # (ROS, pools) paid, once every slot had finished
    exchange: Exchange | None = None  # the latest reading of it


def amounts(slot: dict) -> tuple:
    done = slot["executionDetails"]
    return (
        money(done["rosStats"]["totalDistributed"]),
        done["rosStats"]["processedStakes"],
        money(done["premiumPoolStats"]["totalDistributed"]),
        money(done["performancePoolStats"]["totalDistributed"]),
    )


def shown(paid: tuple) -> str:
    return f"ROS {paid[0]} to {paid[1]} stakes, pools {paid[2]} + {paid[3]}"


class Tracker:
    def __init__(self, stuck_after: timedelta, grace: timedelta) -> None:
        self.stuck_after = stuck_after
        self.grace = grace
        self.days: dict[str, DaySeen] = {}

    def update(self, poll: Poll, judged: Judged) -> None:
        view = judged.view
        if view.status is None:
            return
        today = view.status
        day = self.days.pop(today["today"], None) or DaySeen(today["today"])
        self.days[day.date] = day  # the latest last
        while len(self.days) > KEEP_DAYS:
            self.days.pop(next(iter(self.days)))
        resets = poll.resets is not None and poll.resets > 0
        found: dict[str, list[Finding]] = {"stuck-slot": [], "went-back": [], "amounts-changed": []}
        slots = {s["slotNumber"]: s for s in today["distributionSlots"]}
        for number in set(day.slots) - set(slots):
            del day.slots[number]  # cancelled (BRIEF §8: only PENDING slots go)
        for slot in slots.values():
            self._follow(day, slot, poll, resets, view.status_exchange, found)
        statuses = [s["status"] for s in slots.values()]
        day.unfinished = [n for n, s in slots.items() if s["status"] not in FINISHED]
        day.exchange = view.status_exchange
        if statuses and not day.unfinished:
            paid = [amounts(s) for s in slots.values() if s.get("executionDetails")]
            day.totals = (sum((p[0] for p in paid), Decimal(0)), sum((p[2] + p[3] for p in paid), Decimal(0)))
        for monitor, findings in found.items():
            judged.add(monitor, findings)
        if view.history is not None:
            self._days_ended(poll, judged, view.schedule)

    def _follow(self, day: DaySeen, slot: dict, poll: Poll, resets: bool, exchange, found: dict) -> None:
        number, status = slot["slotNumber"], slot["status"]
        seen = day.slots.get(number)
        if seen is None:
            seen = day.slots[number] = SlotSeen(status)
        where = f"slot {number} of {day.date}"
        self._went_back(seen, status, resets, where, poll)
        seen.status = status
        if seen.back is not None:
            key = f"TC21 {day.date} slot {number} went back"
            found["went-back"].append(Finding("TC21", key, seen.back_text, f"{LIFECYCLE}; {RESET}", exchange, day.date))
        if status != "EXECUTING":
            seen.executing_since = None
        elif seen.executing_since is None:
            seen.executing_since = poll.after  # the latest it can have started: never a false alarm
        elif poll.before - seen.executing_since > self.stuck_after:
            minutes = (poll.before - seen.executing_since).total_seconds() / 60
            said = (
                f"{where} EXECUTING for at most {self.stuck_after.total_seconds() / 60:g} min; it has been EXECUTING "
                f"since {seen.executing_since:%Y-%m-%dT%H:%M:%SZ} at least ({minutes:.0f} min)"
            )
            rule = f"{LIFECYCLE}; §10: a stuck EXECUTING slot needs a force-reset"
            found["stuck-slot"].append(
                Finding("TC21", f"TC21 {day.date} slot {number} stuck", said, rule, exchange, day.date)
            )
        if status == "COMPLETED" and slot.get("executionDetails"):
            paid = amounts(slot)
            if seen.paid is None:
                seen.paid = paid
            elif paid != seen.paid:
                said = f"{where} keeping what it completed with ({shown(seen.paid)}); it now shows {shown(paid)}"
                key = f"TC22 {day.date} slot {number} amounts changed"
                found["amounts-changed"].append(Finding("TC22", key, said, ONCE, exchange, day.date))

    @staticmethod
    def _went_back(seen: SlotSeen, status: str, resets: bool, where: str, poll: Poll) -> None:
        before = seen.status
        if seen.back is not None and RANK[status] >= RANK[seen.back]:
            seen.back = None  # where it was again (a COMPLETED one paid twice is amounts-changed's)
        left = before in FINISHED and status != before
        if not (left or RANK[status] < RANK[before]):
            return
        if resets and before in ("EXECUTING", "FAILED"):
            return  # a force-reset was made since the last poll: that was it
        if seen.back is None:
            seen.back = before
            why = (
                "none was visible"
                if poll.on_mock
                else "a live backend shows none: if an admin force-reset it, that was it"
            )
            seen.back_text = f"{where} staying {before} (no force-reset: {why}); it went back to {status}"

    def _days_ended(self, poll: Poll, judged: Judged, schedule: dict | None) -> None:
        """The remembered days against the history's latest records (the finished days)."""
        records = {r["date"]: r for r in judged.view.history}
        today = judged.view.status["today"]
        zone = ZoneInfo(schedule["timezone"]) if schedule else LEGACY_ZONE
        began = run_instant(date.fromisoformat(today), 0, 0, 0, zone)
        ended, totals = [], []
        for day in self.days.values():
            record = records.get(day.date)
            if day.date != today and record is None and day.unfinished and poll.before - began > self.grace:
                said = (
                    f"{day.date} ending with slot(s) {day.unfinished} run or FAILED 'Not executed' (it is not "
                    f"among the history's finished days, {self.grace} after it ended)"
                )
                ended.append(Finding("TC24", f"TC24 {day.date} lost slots", said, DAY_END, day.exchange, day.date))
            if record is not None and "Not executed" in str(record.get("error") or ""):
                said = f"{day.date} ending with every slot run; the history says: {record['error']}"
                read = poll.reads["history"].exchange
                ended.append(Finding("TC24", f"TC24 {day.date} slot never run", said, DAY_END, read, day.date))
            if record is not None and day.totals is not None:
                found = (money(record["stakeRosDistributedUSDT"]), money(record["poolsPaidToQualifiersUSDT"]))
                if found != day.totals:
                    said = (
                        f"the history's record of {day.date} with the totals today's status showed "
                        f"(ROS {day.totals[0]}, pools {day.totals[1]}); it has ROS {found[0]}, pools {found[1]}"
                    )
                    read = poll.reads["history"].exchange
                    totals.append(Finding("TX09", f"TX09 {day.date} history totals", said, HISTORY, read, day.date))
        judged.add("day-end", ended)
        judged.add("history-totals", totals)
