"""Executes due slots, exactly once, in order: the only place a slot runs or expires.

Used by clock moves (control endpoints, tests), by requests that read or change distribution
state (catch-up), and by the real-time ticker. Rules (BRIEF section 6):

- a slot runs when the schedule is enabled, the clock has reached its ``scheduledFor``, it is
  PENDING and its day has not ended; a slot already past due runs at once;
- a slot still PENDING when its day ends becomes FAILED "Not executed: ..." (never paid a day late);
- slots due at the same instant run in slot order; each runs PENDING -> EXECUTING -> COMPLETED,
  or FAILED with an error (an injected fault);
- an injected ``stuck`` fault leaves a slot EXECUTING, as a worker that died would (before paying,
  or after with ``stuck-after-payment``); only a force-reset releases it.

``executionTimeMs`` is the time the slot's work really took, in whole milliseconds rounded up (at
least 1: the admin app renders a 0 as a stray "0").
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from ..domain.distribution import KINDS, Payment, SlotPayout, exact, pool_payments, ros_payments
from ..domain.schedule import parse_iso, to_iso
from ..state.changes import Key
from ..state.ledger import EncodedPayout, encode
from ..state.store import Store
from .clock import Clock


@dataclass(frozen=True)
class Event:
    at: datetime
    date: str
    slot_number: int
    kind: str  # "run" | "expire"
    slot: dict = field(compare=False, repr=False)  # the slot as the plan read it


STATS = {"ros": ("rosStats", "processedStakes"), "premium": ("premiumPoolStats", "usersReceived"),
         "performance": ("performancePoolStats", "usersReceived")}  # fmt: skip


def stored_stats(payout: SlotPayout) -> dict:
    """What a slot paid, as stored in its execution: counts, and totals as exact decimal strings."""
    return {
        name: {counted: count, "totalDistributed": str(total)}
        for kind, (count, total) in payout.totals().items()
        for name, counted in [STATS[kind]]
    }


@dataclass(frozen=True)
class Payout:
    """What a slot pays, and the same payments as its ledger entry stores them (encoded once, kept
    with it: the slots of a day, and of every day, often pay alike)."""

    slot_payout: SlotPayout
    encoded: EncodedPayout


def payout_of_ledger(entry: dict) -> SlotPayout:
    """The payments of a stored ledger entry (used when a racing worker already paid)."""
    return SlotPayout(
        tuple(
            Payment(kind, beneficiary, exact(amount)) for kind in KINDS for beneficiary, amount in entry[kind].items()
        )
    )


class Runner:
    """Runs what falls due. Planning (what is due, in what order) happens under a lock; running a
    slot does not: concurrent clock moves really overlap, and each slot is run by whichever move
    claims it first (the store's atomic PENDING -> EXECUTING), exactly as two processes on one
    database would. Nothing but the claim makes a slot run once."""

    def __init__(self, clock: Clock, store: Store) -> None:
        self.clock = clock
        self.store = store
        # a slot's executionTimeMs from its start (``perf_counter``); a scenario's build swaps in a
        # fixed figure while it runs, so that a built state is the same every time (``scenarios``)
        self.stopwatch: Callable[[float], int] = elapsed_ms
        self._lock = threading.RLock()

    # -- public ----------------------------------------------------------------------------------
    def catch_up(self) -> list[dict]:
        """Run whatever is due at the clock's current instant."""
        return self._move(None)

    def advance_to(self, target: datetime, *, racers: int = 1) -> list[dict]:
        """Move the clock to ``target``, running everything due on the way at its own instant.

        With ``racers`` > 1 the move is made by that many movers that plan together and then race to
        claim each slot (as processes on one database would): the claims truly overlap.
        """
        return self._move(target, racers)

    def next_pending_instant(self) -> datetime | None:
        pending = self.store.days.pending_slots()
        return parse_iso(pending[0]["scheduledFor"]) if pending else None

    # -- the loop --------------------------------------------------------------------------------
    @staticmethod
    def _event(slot: dict, start: datetime, enabled: bool) -> Event:
        due = max(parse_iso(slot["scheduledFor"]), start)
        day_end = parse_iso(slot["dayEnd"])
        if enabled and due < day_end:
            return Event(due, slot["date"], slot["slotNumber"], "run", slot)
        return Event(max(day_end, start), slot["date"], slot["slotNumber"], "expire", slot)

    def _plan(self, start: datetime) -> tuple[list[Event], bool]:
        """Every pending slot's next event (run or expire) from ``start``, in time, date, slot order."""
        enabled = self.store.schedule.enabled()
        events = sorted(
            (self._event(slot, start, enabled) for slot in self.store.days.pending_slots()),
            key=lambda e: (e.at, e.date, e.slot_number),
        )
        return events, enabled

    def _next_due(self) -> datetime | None:
        """The first instant at which a move has something to do: a pending slot falls due (to run
        or to expire), or an ended day can be archived; None: nothing until the store changes."""
        events, _ = self._plan(datetime.min.replace(tzinfo=UTC))
        archived = self.store.archive.next_due()
        instants = [event.at for event in events[:1]] + ([parse_iso(archived)] if archived else [])
        return min(instants, default=None)

    def _idle(self, start: datetime) -> bool:
        """Nothing is due at ``start``: known without a plan while the store remembers (``changes``)."""
        if not self.store.changes.remembers:
            return False  # a shared MongoDB: the plan reads what the check would
        due = self.store.changes.cached(Key.NEXT_DUE, self._next_due, shared=True)
        return due is None or start < due

    def _move(self, target: datetime | None, racers: int = 1) -> list[dict]:
        with self._lock:
            start = self.clock.now()
            if target is None and self._idle(start):
                return []
            end = start if target is None else max(target, start)
            events, enabled = self._plan(start)
        due = [e for e in events if e.at <= end]
        try:
            if racers > 1:
                ran = self._race(due, enabled, racers)
            else:
                ran = self._run(due, enabled, move_clock=target is not None)
        finally:
            with self._lock:
                if target is not None:
                    self.clock.move_forward(end)
                self.store.archive.ended(to_iso(end))
        return ran

    def _race(self, events: list[Event], enabled: bool, racers: int) -> list[dict]:
        """``racers`` movers start together on the same plan; each slot is run by whoever claims it."""
        start = threading.Barrier(racers)

        def mover() -> list[dict]:
            start.wait()
            return self._run(events, enabled, move_clock=True)

        with ThreadPoolExecutor(max_workers=racers) as pool:
            outcomes = [future.result() for future in [pool.submit(mover) for _ in range(racers)]]
        return sorted((r for batch in outcomes for r in batch), key=lambda r: (r["at"], r["date"], r["slotNumber"]))

    def _run(self, events: list[Event], enabled: bool, *, move_clock: bool) -> list[dict]:
        ran: list[dict] = []
        for event in events:
            if move_clock:
                self.clock.move_forward(event.at)
            if event.kind == "run":
                outcome = self._execute(event)
            else:
                reason = (
                    "the schedule was disabled until the day ended"
                    if not enabled
                    else "the day ended before the slot could run"
                )
                outcome = self._expire(event, reason)
            if outcome:
                ran.append(outcome)
        return ran

    # -- one slot --------------------------------------------------------------------------------
    def _execute(self, event: Event) -> dict | None:
        date, slot_number, at = event.date, event.slot_number, event.at
        slot = self.store.days.claim_slot(date, slot_number, as_read=event.slot)
        if slot is None:
            return None
        started = time.perf_counter()
        fault = self.store.faults.take(slot_number) or {"effect": None, "error": None}
        if fault["effect"] == "fail":
            stats, status, error = stored_stats(SlotPayout(())), "FAILED", fault["error"]
        elif fault["effect"] == "stuck":
            return _outcome(date, slot_number, at, "EXECUTING", fault["error"], ["PENDING", "EXECUTING"])
        else:
            stats = self._pay(date, slot_number, self.payout(slot))
            if fault["effect"] == "stuck-after-payment":
                return _outcome(date, slot_number, at, "EXECUTING", fault["error"], ["PENDING", "EXECUTING"])
            status, error = "COMPLETED", None
        details = {"executedAt": to_iso(at), "executionTimeMs": self.stopwatch(started), **stats, "error": error}
        self.store.days.finish_slot(date, slot_number, status, details)
        return _outcome(date, slot_number, at, status, error, ["PENDING", slot["status"], status])

    def _pay(self, date: str, slot_number: int, payout: Payout) -> dict:
        """Record the slot's payments once; the stats of what the ledger holds for it."""
        if self.store.ledger.record(date, slot_number, payout.encoded):
            return stored_stats(payout.slot_payout)
        # another worker (or this slot before a force-reset) paid this (date, slot): pay nothing more
        return stored_stats(payout_of_ledger(self.store.ledger.entry(date, slot_number)))

    def _expire(self, event: Event, reason: str) -> dict | None:
        date, slot_number, at = event.date, event.slot_number, event.at
        started = time.perf_counter()
        if self.store.days.claim_slot(date, slot_number, "FAILED", as_read=event.slot) is None:
            return None
        error = f"Not executed: {reason}"
        details = {
            "executedAt": to_iso(at),
            "executionTimeMs": self.stopwatch(started),
            **stored_stats(SlotPayout(())),
            "error": error,
        }
        self.store.days.finish_slot(date, slot_number, "FAILED", details)
        return _outcome(date, slot_number, at, "FAILED", error, ["PENDING", "FAILED"])

    def payout(self, slot: dict) -> Payout:
        """What ``slot`` pays the stakes active now and its pools' qualifiers: worked out once per ROS
        and pool amounts while the stakes stay as they are (``Key.PAYOUT``)."""
        amounts = (exact(slot["rosPercentage"]), exact(slot["premiumPoolAmount"]), exact(slot["performancePoolAmount"]))
        return self.store.changes.cached(Key.PAYOUT, lambda: self._work_out(*amounts), amounts, shared=True)

    def _work_out(self, ros: Decimal, premium: Decimal, performance: Decimal) -> Payout:
        stakes = self.store.stakes
        paid = self.store.changes.cached(
            Key.ROS_PAYMENTS, lambda: ros_payments(stakes.active(), ros), ros, shared=True
        )  # a day's slots often share a ROS with other pool amounts
        qualifiers = stakes.qualifiers()
        payments = paid + pool_payments(premium, qualifiers["premium"], performance, qualifiers["performance"])
        return Payout(SlotPayout(payments), encode(payments))


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (``perf_counter``), rounded up: at least 1."""
    return max(1, math.ceil((time.perf_counter() - started) * 1000))


def _outcome(date: str, slot_number: int, at: datetime, status: str, error, transitions: list[str]) -> dict:
    """One entry of what a clock move ran (the control API's ``ran``)."""
    return {
        "date": date,
        "slotNumber": slot_number,
        "status": status,
        "at": to_iso(at),
        "error": error,
        "transitions": transitions,
    }
