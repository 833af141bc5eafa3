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
from datetime import datetime
from decimal import Decimal

from ..domain.distribution import KINDS, Payment, SlotPayout, Stake, exact, pool_payments, ros_payments
from ..domain.schedule import parse_iso, to_iso
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
        self._moving = 0  # clock moves in flight
        # Nothing is due before this instant, as long as the store has not changed since.
        self._idle_until: tuple[int, datetime] | None = None

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

    def _move(self, target: datetime | None, racers: int = 1) -> list[dict]:
        with self._lock:
            start = self.clock.now()
            idle = self._idle_until
            if target is None and idle and self.store.changes.unchanged_since(idle[0]) and start < idle[1]:
                return []  # nothing is due yet and nothing has changed (embedded store only)
            end = start if target is None else max(target, start)
            events, enabled = self._plan(start)
            self._moving += 1
        due = [e for e in events if e.at <= end]
        try:
            if racers > 1:
                ran = self._race(due, enabled, racers)
            else:
                ran = self._run(due, enabled, move_clock=target is not None)
        finally:
            with self._lock:
                self._moving -= 1
                if target is not None:
                    self.clock.move_forward(end)
                self.store.archive_ended(to_iso(end))
                self._idle_until = None
                if self._moving == 0 and self.store.changes.embedded:
                    mark = self.store.changes.mark()  # before the read: a write after it voids the idle
                    upcoming, _ = self._plan(self.clock.now())
                    never = datetime.max.replace(tzinfo=end.tzinfo)
                    self._idle_until = (mark, upcoming[0].at if upcoming else never)
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
        payout_context: PayoutContext | None = None
        for event in events:
            if move_clock:
                self.clock.move_forward(event.at)
            if event.kind == "run":
                payout_context = payout_context or self._payout_context()
                outcome = self._execute(event, payout_context)
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
    def _execute(self, event: Event, context: PayoutContext) -> dict | None:
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
            stats = self._pay(date, slot_number, context.payout(slot))
            if fault["effect"] == "stuck-after-payment":
                return _outcome(date, slot_number, at, "EXECUTING", fault["error"], ["PENDING", "EXECUTING"])
            status, error = "COMPLETED", None
        details = {"executedAt": to_iso(at), "executionTimeMs": self.stopwatch(started), **stats, "error": error}
        self.store.days.finish_slot(date, slot_number, status, details)
        return _outcome(date, slot_number, at, status, error, ["PENDING", slot["status"], status])

    def _pay(self, date: str, slot_number: int, payout: SlotPayout) -> dict:
        """Record the slot's payments once; the stats of what the ledger holds for it."""
        if self.store.ledger.record(date, slot_number, payout.payments):
            return stored_stats(payout)
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

    def _payout_context(self) -> PayoutContext:
        """Who slots pay, with the payouts worked out for them: kept until the stakes change (embedded
        store), so the slots of every day that pay alike share one payout."""

        def read() -> PayoutContext:
            qualifiers = self.store.stakes.qualifiers()
            return PayoutContext(tuple(self.store.stakes.active()), qualifiers["premium"], qualifiers["performance"])

        return self.store.changes.cached("payout-context", read, on=(self.store.stakes.name,), immutable=True)


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


KEPT_PAYOUTS = 64  # distinct (ROS, pool amounts) a payout context remembers


@dataclass(frozen=True)
class PayoutContext:
    """Who a slot pays: the active stakes and each pool's qualifiers (read once per version of the stakes)."""

    stakes: tuple[Stake, ...]
    premium_users: list[str]
    performance_users: list[str]

    # slots of one ROS and pool amounts pay the same: computed once while the stakes stay as they are
    # (a day's slots, and every day's, often share them), the same payout object each time (the ledger
    # then encodes it once)
    _payouts: dict[tuple[Decimal, Decimal, Decimal], SlotPayout] = field(default_factory=dict, compare=False)
    _ros: dict[Decimal, tuple[Payment, ...]] = field(default_factory=dict, compare=False)

    def payout(self, slot: dict) -> SlotPayout:
        key = (exact(slot["rosPercentage"]), exact(slot["premiumPoolAmount"]), exact(slot["performancePoolAmount"]))
        payout = self._payouts.get(key)
        if payout is None:
            if len(self._payouts) >= KEPT_PAYOUTS:  # bounded: a long session queues many amounts
                self._payouts.clear()
                self._ros.clear()
            ros, premium, performance = key
            stakes_paid = self._ros.get(ros)
            if stakes_paid is None:
                stakes_paid = self._ros[ros] = ros_payments(self.stakes, ros)
            pools = pool_payments(premium, self.premium_users, performance, self.performance_users)
            payout = self._payouts[key] = SlotPayout(stakes_paid + pools)
        return payout
