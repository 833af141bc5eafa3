"""The archive policy: an ended day moves out of the open collections, and a year on, out of the store.

Once a day has ended (its local midnight passed) and nothing of it is pending or running, it moves to
``distribution_history`` with its slots as one JSON text and a summary of its ledger in place of its
per-stake entries (nothing can add to them any more). The collections every request reads stay
small (mongomock scans a whole collection on every query), and memory stays bounded over simulated
years: archived days older than ``ARCHIVE_WINDOW_DAYS`` are dropped.
"""

from __future__ import annotations

from datetime import date, timedelta

from pymongo import ASCENDING

from ..domain.distribution import exact
from .changes import Changes, Concept, Key
from .database import Collections, as_text
from .days import Days
from .ledger import Ledger

ARCHIVE_WINDOW_DAYS = 400  # archived days older than this are dropped,
FORGET_SLACK_DAYS = 30  # once the oldest is this much older (one scan a month, not one a day)


class Archive:
    def __init__(self, db: Collections, changes: Changes, days: Days, ledger: Ledger) -> None:
        self.db = db
        self.changes = changes
        self.days = days
        self.ledger = ledger

    def ended(self, now: str) -> int:
        """Archive the days that have ended with nothing pending or running; drop those older than
        the window. How many days moved."""
        moved = 0
        for day in self.db.distributions.find({"dayEnd": {"$lte": now}}):
            slots = self.days.slots_of(day["date"])
            if any(slot["status"] in ("PENDING", "EXECUTING") for slot in slots):
                continue  # a slot still waits or is running (perhaps in another clock move)
            self._move(day, slots)
            moved += 1
        if moved:
            self._forget_before(now)
        return moved

    def next_due(self) -> str | None:
        """When ``ended`` next has a day to move: the earliest end of an open day with nothing pending
        or running (a day with a pending slot moves after that slot's own event, at the latest its end)."""
        held = {"status": {"$in": ["PENDING", "EXECUTING"]}}
        busy = {slot["date"] for slot in self.db.distribution_slots.find(held, {"date": True})}
        days = self.db.distributions.find({}, {"date": True, "dayEnd": True})
        return min((day["dayEnd"] for day in days if day["date"] not in busy), default=None)

    def _move(self, day: dict, slots: list[dict]) -> None:
        summary = self.ledger.summaries([day["date"]])[day["date"]]
        ledger = {
            "paid": {kind: str(amount) for kind, amount in summary["paid"].items()},
            "usersPaid": summary["usersPaid"],
            "poolRecipients": summary["poolRecipients"],
        }
        moved = day["date"]
        carry = {
            (Key.ARCHIVED_DATES, None): lambda dates: dates | {moved},
            (Key.EARLIEST_ARCHIVED, None): lambda first: moved if first is None else min(first, moved),
        }
        # Into the archive first, and known there (bumped), before it leaves the open days: a reader
        # that no longer finds it open finds it archived (``Days.distributed``, ``Days.between``).
        with self.changes.writing(Concept.ARCHIVE, carry=carry):
            self.db.distribution_history.insert_one({**day, "ledger": ledger, "slots": as_text(slots)})
        with self.changes.writing(Concept.DAYS, Concept.LEDGER):
            self.db.distribution_slots.delete_many({"date": moved})
            self.db.distributions.delete_one({"_id": day["_id"]})
            self.db.payouts.delete_many({"date": moved})

    def earliest(self) -> str | None:
        """The oldest archived date, or None."""

        def read() -> str | None:
            first = self.db.distribution_history.find_one({}, {"date": True}, sort=[("date", ASCENDING)])
            return first["date"] if first else None

        return self.changes.cached(Key.EARLIEST_ARCHIVED, read, shared=True)

    def _forget_before(self, now: str) -> None:
        oldest = (date.fromisoformat(now[:10]) - timedelta(days=ARCHIVE_WINDOW_DAYS)).isoformat()
        slack = (date.fromisoformat(oldest) - timedelta(days=FORGET_SLACK_DAYS)).isoformat()
        first = self.earliest()
        if first is None or first >= slack:
            return  # nothing archived is old enough to be worth a scan (mongomock scans to delete)
        carry = {(Key.ARCHIVED_DATES, None): lambda dates: frozenset(d for d in dates if d >= oldest)}
        with self.changes.writing(Concept.ARCHIVE, carry=carry):
            self.db.distribution_history.delete_many({"date": {"$lt": oldest}})

    def summaries(self, days: list[dict]) -> dict[str, dict]:
        """Each day's ledger summary (``Ledger.summaries``): kept with an archived day, else read."""
        open_dates = [day["date"] for day in days if "ledger" not in day]
        found = self.ledger.summaries(open_dates) if open_dates else {}
        for day in days:
            if "ledger" in day:
                kept = day["ledger"]
                found[day["date"]] = {
                    "paid": {kind: exact(amount) for kind, amount in kept["paid"].items()},
                    "usersPaid": kept["usersPaid"],
                    "poolRecipients": kept["poolRecipients"],
                }
        return found
