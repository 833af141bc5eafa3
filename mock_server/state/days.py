"""Queued days and their slots: open ones (``distributions``, ``distribution_slots``), and ended ones
once archived (``distribution_history``, each with its slots as one JSON text: see ``archive``).

One queue a day: ``distributions._id`` is the date. A slot runs once: it is claimed PENDING ->
EXECUTING atomically, once.
"""

from __future__ import annotations

import json

from pymongo import ASCENDING, ReturnDocument

from .changes import Concept, Key
from .database import Repository, as_text, slot_key


def _slot(doc: dict) -> dict:
    """A stored slot as readers see it: its ``executionDetails`` (null until it has finished) are
    stored as one JSON text (``as_text``)."""
    details = doc.get("executionDetails")
    if details is not None:
        doc["executionDetails"] = json.loads(details)
    return doc


class Days(Repository):
    concept = Concept.DAYS

    def insert(self, day: dict, slots: list[dict]) -> None:
        """Store a queued day; raises ``DuplicateKeyError`` when the date already has one."""
        with self._writing():
            self.db.distributions.insert_one({**day, "_id": day["date"]})
            self.db.distribution_slots.insert_many([{**s, "_id": slot_key(s["date"], s["slotNumber"])} for s in slots])

    def open(self, date: str) -> dict | None:
        return self.db.distributions.find_one({"date": date})

    def distributed(self, date: str) -> dict | None:
        """The day distributed on ``date``, open or archived, in whatever zone it was queued."""
        found = self.open(date)
        if found is not None:
            return found
        if self.changes.remembers and date not in self.archived_dates():
            return None  # known without a scan of the archive (mongomock reads every archived day)
        return self.db.distribution_history.find_one({"date": date})

    def archived_dates(self) -> frozenset[str]:
        """Every archived date (kept while archiving adds to it: see ``archive``)."""
        return self.changes.cached(
            Key.ARCHIVED_DATES,
            lambda: frozenset(doc["date"] for doc in self.db.distribution_history.find({}, {"date": True})),
            shared=True,
        )

    def slots_of(self, date: str) -> list[dict]:
        return [_slot(doc) for doc in self.db.distribution_slots.find({"date": date}).sort("slotNumber", ASCENDING)]

    def pending_slots(self) -> list[dict]:
        pending = self.db.distribution_slots.find({"status": "PENDING"})
        return [_slot(doc) for doc in pending.sort([("scheduledFor", ASCENDING), ("slotNumber", ASCENDING)])]

    # What an edit of a PENDING slot may change (``update_pending_slot``): a claim made on the slot as
    # it was read checks that these are still as read.
    EDITABLE = ("rosPercentage", "premiumPoolAmount", "performancePoolAmount")

    def claim_slot(
        self, date: str, slot_number: int, to_status: str = "EXECUTING", *, as_read: dict | None = None
    ) -> dict | None:
        """PENDING -> ``to_status``, atomically; the slot as claimed, or None if someone else got there
        first. Given the slot ``as_read`` (by the runner's plan), the claim is one conditional write
        (its editable fields still as read), and a fresh read only when that write does not match."""
        claim = {"_id": slot_key(date, slot_number), "status": "PENDING"}
        with self._writing(), self.atomic:
            if as_read is not None:
                unchanged = {field: as_read.get(field) for field in self.EDITABLE}
                claimed = self.db.distribution_slots.update_one({**claim, **unchanged}, {"$set": {"status": to_status}})
                if claimed.modified_count == 1:
                    return {**as_read, "status": to_status}
            claimed_now = self.db.distribution_slots.find_one_and_update(
                claim, {"$set": {"status": to_status}}, return_document=ReturnDocument.AFTER
            )
        return _slot(claimed_now) if claimed_now else None

    def finish_slot(self, date: str, slot_number: int, status: str, details: dict) -> None:
        stored = as_text(details)  # read back decoded: ``_slot``
        with self._writing():
            self.db.distribution_slots.update_one(
                {"_id": slot_key(date, slot_number)}, {"$set": {"status": status, "executionDetails": stored}}
            )

    def update_pending_slot(self, date: str, slot_number: int, fields: dict) -> bool:
        with self._writing():
            result = self.db.distribution_slots.update_one(
                {"_id": slot_key(date, slot_number), "status": "PENDING"}, {"$set": fields}
            )
        return result.matched_count == 1  # False: the slot is no longer PENDING

    def delete_pending_slots(self, date: str) -> int:
        with self._writing():
            return self.db.distribution_slots.delete_many({"date": date, "status": "PENDING"}).deleted_count

    def update(self, date: str, fields: dict) -> None:
        with self._writing():
            self.db.distributions.update_one({"date": date}, {"$set": fields})

    def delete(self, date: str) -> None:
        with self._writing():
            self.db.distributions.delete_one({"date": date})

    def release_stuck(self, date: str) -> list[int]:
        """Force-reset: ``date``'s EXECUTING and FAILED slots back to PENDING; the slot numbers released."""
        released = []
        for slot in self.slots_of(date):
            if slot["status"] not in ("EXECUTING", "FAILED"):
                continue
            with self._writing(), self.atomic:
                result = self.db.distribution_slots.update_one(
                    {"_id": slot["_id"], "status": slot["status"]},
                    {"$set": {"status": "PENDING", "executionDetails": None}},
                )
            if result.modified_count == 1:
                released.append(slot["slotNumber"])
        return released

    def between(self, start: str | None, end: str | None) -> list[tuple[dict, list[dict]]]:
        """Every day from ``start`` to ``end`` (inclusive, ISO dates; None: unbounded), open or
        archived, with its slots in order, newest first."""
        query: dict = {}
        if start or end:
            query["date"] = {**({"$gte": start} if start else {}), **({"$lte": end} if end else {})}
        slots: dict[str, list[dict]] = {}
        for slot in self.db.distribution_slots.find(query):
            slots.setdefault(slot["date"], []).append(_slot(slot))
        # open days before archived ones: a day archived meanwhile is found in the archive, once
        days = {day["date"]: day for day in self.db.distributions.find(query)}
        for day in self.db.distribution_history.find(query):
            slots[day["date"]] = json.loads(day.pop("slots"))  # an archived day keeps its own slots
            days[day["date"]] = day
        return [
            (day, sorted(slots.get(day["date"], []), key=lambda s: s["slotNumber"]))
            for day in sorted(days.values(), key=lambda d: d["date"], reverse=True)
        ]
