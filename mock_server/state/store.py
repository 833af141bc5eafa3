"""The store: every repository on one database, one ``Changes`` and one lock; reset and snapshot.

The only package that knows MongoDB. The same code runs on mongomock (embedded, the default) and on
a real MongoDB (``--mongo-uri``). Its parts, one job each:

- ``connection``: connecting; ``database``: the collections, indexes, keys and encodings;
- ``changes``: the one cache discipline (versions, what is remembered, the thread rule);
- one repository per concept: ``users``, ``schedule``, ``stakes``, ``days``, ``ledger``, ``faults``,
  ``exports``; ``archive``: what moves out of the open collections, and when.
"""

from __future__ import annotations

import threading

from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .archive import Archive
from .changes import Changes, Concept
from .connection import connect, is_embedded
from .database import COLLECTIONS, INDEXES, Collections
from .days import Days
from .exports import EXPORTS_KEPT, Exports
from .faults import Faults
from .fixtures import Fixtures
from .ledger import Ledger
from .schedule import Schedule
from .stakes import Stakes
from .users import Users

__all__ = ["EXPORTS_KEPT", "DuplicateKeyError", "Store", "connect"]

# The fixture collections a reset fills, and the concept whose writes would change each.
FIXTURE_COLLECTIONS = {
    "users": Concept.USERS,
    "investors": Concept.STAKES,
    "stakes": Concept.STAKES,
    "pools": Concept.STAKES,
}


class Store:
    """Every concept on one database, reset together."""

    def __init__(self, database: Database) -> None:
        self.db = db = Collections(database)
        self.changes = changes = Changes(embedded=is_embedded(database))
        self.atomic = atomic = threading.Lock()
        self.users = Users(db, changes, atomic)
        self.schedule = Schedule(db, changes, atomic)
        self.stakes = Stakes(db, changes, atomic)
        self.days = Days(db, changes, atomic)
        self.ledger = Ledger(db, changes, atomic, owners=self.stakes.owners)
        self.faults = Faults(db, changes, atomic)
        self.exports = Exports(db, changes, atomic)
        self.archive = Archive(db, changes, self.days, self.ledger)
        self._reset_from: tuple[Fixtures, int] | None = None  # the last reset's fixtures and version

    @property
    def embedded(self) -> bool:
        """True for mongomock: then this process is the only writer, and may trust ``changes``."""
        return self.changes.embedded

    def is_empty(self) -> bool:
        """Nothing of ours in the database (fixtures are loaded only then)."""
        return all(self.db[name].count_documents({}, limit=1) == 0 for name in COLLECTIONS)

    def snapshot(self) -> dict[str, list[dict]]:
        return {name: list(self.db[name].find()) for name in COLLECTIONS}

    def restore(self, collections: dict[str, list[dict]]) -> None:
        """Exactly these documents (a ``snapshot``), in place of whatever the store held."""
        with self.changes.writing():
            self._recreate()
            for name, documents in collections.items():
                if name in COLLECTIONS and documents:
                    self.db[name].insert_many(documents)

    def _recreate(self, keep: frozenset[str] = frozenset()) -> None:
        with self.changes.writing():
            for name in COLLECTIONS:
                if name not in keep:
                    self.db.drop_collection(name)
            for name, indexes in INDEXES.items():
                for keys, unique in indexes:
                    if name not in keep:
                        self.db[name].create_index(keys, unique=unique)

    def reset(self, fixtures: Fixtures) -> None:
        kept = self._still_as_reset(fixtures)
        documents = {
            "users": [dict(identity) for identity in fixtures.identities],
            "investors": [dict(investor) for investor in fixtures.investors],
            "stakes": [dict(stake) for stake in fixtures.stakes],
            "pools": [{"_id": name, **dict(rules)} for name, rules in fixtures.pools.items()],
        }
        with self.changes.writing() as written:
            self._recreate(kept)
            for name, inserted in documents.items():
                if name not in kept:
                    self.db[name].insert_many(inserted)
            if fixtures.schedule is not None:
                self.db.settings.insert_one(dict(fixtures.schedule))
        self._reset_from = (fixtures, written.version)

    def _still_as_reset(self, fixtures: Fixtures) -> frozenset[str]:
        """The fixture collections nothing has written since the last reset from these same
        fixtures: a reset leaves them as they are (the suite resets before each case, and mongomock
        inserts a few hundred stakes slowly). Known only when this process is the only writer."""
        if not self.embedded or self._reset_from is None or self._reset_from[0] is not fixtures:
            return frozenset()
        mark = self._reset_from[1]
        return frozenset(
            name for name, concept in FIXTURE_COLLECTIONS.items() if not self.changes.changed_since(mark, concept)
        )
