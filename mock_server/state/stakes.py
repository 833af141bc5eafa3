"""Investors, their stakes and the pools' rules (who qualifies for which pool); only a reset writes them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pymongo import ASCENDING

from ..domain.distribution import Stake, exact
from .changes import Concept, Key
from .database import Repository


class Stakes(Repository):
    concept = Concept.STAKES

    def active(self) -> tuple[Stake, ...]:
        def read() -> tuple[Stake, ...]:
            found = self.db.stakes.find({"isActive": True}).sort("_id", ASCENDING)
            return tuple(Stake(doc["_id"], doc["userId"], exact(doc["amount"])) for doc in found)

        return self.changes.cached(Key.ACTIVE_STAKES, read, shared=True)

    def owners(self) -> Mapping[str, str]:
        """Stake id -> the investor who holds it (active or not); read-only, shared."""
        return self.changes.cached(
            Key.STAKE_OWNERS,
            lambda: MappingProxyType({doc["_id"]: doc["userId"] for doc in self.db.stakes.find({}, {"userId": True})}),
            shared=True,
        )

    def all(self) -> list[dict]:
        return list(self.db.stakes.find({}, {"_id": True, "amount": True, "isActive": True}).sort("_id", ASCENDING))

    def investors(self) -> list[dict]:
        """Investors with at least one active stake."""
        holders = set(self.db.stakes.distinct("userId", {"isActive": True}))
        return [doc for doc in self.db.investors.find().sort("_id", ASCENDING) if doc["_id"] in holders]

    def qualifiers(self) -> Mapping[str, tuple[str, ...]]:
        """Per pool (``premium``, ``performance``): the investors with active stakes who share it (shared)."""

        def read() -> Mapping[str, tuple[str, ...]]:
            investors = self.investors()
            return MappingProxyType(
                {
                    name: tuple(doc["_id"] for doc in investors if doc.get("rank") in set(rules["ranks"]))
                    for name, rules in self.pools().items()
                }
            )

        return self.changes.cached(Key.QUALIFIERS, read, shared=True)

    def pools(self) -> dict[str, dict]:
        """Each pool's rules: ``{"premium": {"ranks": [...], "description": ...}, ...}``."""
        return {doc["_id"]: doc for doc in self.changes.cached(Key.POOLS, lambda: list(self.db.pools.find()))}
