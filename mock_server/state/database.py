"""The collections, their indexes, how documents are keyed and encoded, and what every repository shares.

Natural keys are the ``_id``s: a day is its date, a slot ``date:NN``, a ledger entry ``date:NN``.
The primary key is the unique index both engines always enforce (and mongomock checks it by a
dictionary lookup, where it checks a secondary unique index by scanning). Instants are stored as the
wire's ISO strings (fixed width, so they sort and compare as time does); money as decimal strings,
so nothing is ever a binary float in storage.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import ASCENDING
from pymongo.database import Database

from .changes import Changes, Concept, Written

INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    "users": [([("email", ASCENDING)], True), ([("username", ASCENDING)], True)],
    "investors": [([("rank", ASCENDING)], False)],
    "stakes": [([("isActive", ASCENDING)], False)],
    "distributions": [([("dayEnd", ASCENDING)], False)],
    "distribution_slots": [([("status", ASCENDING), ("scheduledFor", ASCENDING)], False)],
    "distribution_history": [],
    "payouts": [([("date", ASCENDING)], False)],
    "faults": [([("slotNumber", ASCENDING)], False)],
    "exports": [([("createdAt", ASCENDING)], False)],
    "route_faults": [],
}
COLLECTIONS = (*INDEXES, "settings", "pools")


def as_text(value) -> str:
    """A value stored as one JSON text (compact): MongoDB and mongomock copy a string at once where
    they would walk a map of maps field by field on every write and read. Used for a ledger entry's
    payments, a finished slot's ``executionDetails`` and an archived day's slots; readers decode."""
    return json.dumps(value, separators=(",", ":"), default=str)


def slot_key(date: str, slot_number: int) -> str:
    return f"{date}:{slot_number:02d}"


class Collections:
    """The database, its collections looked up once: mongomock builds a new ``Collection`` (with its
    options) on every attribute access, and the runner reaches four of them for every slot. Anything
    else (``db[name]``, ``drop_collection``, ``client``) is the database's own."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __getattr__(self, name: str):  # called only for a name not yet looked up
        if name not in COLLECTIONS:
            return getattr(self.database, name)
        collection = self.database[name]
        setattr(self, name, collection)  # a dropped collection is emptied, not replaced: the handle stays good
        return collection

    def __getitem__(self, name: str):
        return getattr(self, name) if name in COLLECTIONS else self.database[name]


class Repository:
    """One concept's reads and writes, on the store's database, versions and lock."""

    concept: Concept

    def __init__(self, db: Collections, changes: Changes, atomic: threading.Lock) -> None:
        self.db = db
        self.changes = changes
        # MongoDB makes a conditional update atomic; mongomock, plain Python, does not across
        # threads. Compare-and-set writes take this lock so both engines give the same guarantee.
        self.atomic = atomic

    @contextmanager
    def _writing(self) -> Iterator[Written]:
        """Around a write of this concept: its version is bumped once the write is done."""
        with self.changes.writing(self.concept) as written:
            yield written
