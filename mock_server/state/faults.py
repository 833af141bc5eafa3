"""Injected failures (``/__mock/faults``): of slots (the runner takes them) and of HTTP routes."""

from __future__ import annotations

from bson import ObjectId

from .changes import Concept, Key
from .database import Repository

ARMED = {"times": {"$gt": 0}}  # a slot fault with executions left to spoil
ROUTE_ARMED = {"$or": [{"times": None}, {"times": {"$gt": 0}}]}  # a route fault: until cleared, or times left


class Faults(Repository):
    concept = Concept.FAULTS

    def add(self, slot_number: int, times: int, error: str, effect: str = "fail") -> None:
        with self._writing():
            self.db.faults.insert_one({"slotNumber": slot_number, "times": times, "error": error, "effect": effect})

    def armed(self) -> list[dict]:
        return list(self.db.faults.find(ARMED, {"_id": False}))

    def take(self, slot_number: int) -> dict | None:
        """Use up one armed fault of this slot (``{error, effect}``), or None when none is armed."""
        armed = {"slotNumber": slot_number, **ARMED}
        # asked for every slot a clock move runs: no write (and no bump) while none is armed for it
        if not self.any_armed() or self.db.faults.find_one(armed) is None:
            return None
        with self._writing(), self.atomic:
            fault = self.db.faults.find_one_and_update(armed, {"$inc": {"times": -1}})
        if fault is None:
            return None  # another racer took the last one
        return {"error": fault["error"], "effect": fault["effect"]}

    def any_armed(self) -> bool:
        """Whether a slot fault is armed (always asked of a shared MongoDB)."""
        return self.changes.cached(Key.ANY_SLOT_FAULT, lambda: self.db.faults.find_one(ARMED) is not None, shared=True)

    def add_route(self, fault: dict) -> dict:
        """Arm an HTTP fault (``http/route_faults.py``); ``times`` None: until cleared."""
        stored = {**fault, "_id": str(ObjectId())}  # ObjectIds sort in the order they were made
        with self._writing():
            self.db.route_faults.insert_one(stored)
        return stored

    def routes(self) -> list[dict]:
        """The armed HTTP faults, in the order they were armed (read on every request while any is)."""
        return self.changes.cached(
            Key.ROUTE_FAULTS,
            lambda: list(self.db.route_faults.find(ROUTE_ARMED).sort("_id")),
        )

    def any_route(self) -> bool:
        """Whether an HTTP fault is armed (asked on every request)."""
        return self.changes.cached(Key.ANY_ROUTE_FAULT, lambda: bool(self.routes()), shared=True)

    def take_route(self, fault_id: str) -> bool:
        """Use up one of a route fault's ``times``; False when another request used the last one."""
        with self._writing(), self.atomic:
            used = self.db.route_faults.find_one_and_update(
                {"_id": fault_id, **ROUTE_ARMED},
                {"$inc": {"used": 1}},
            )
            if used is not None and used.get("times") is not None:
                self.db.route_faults.update_one({"_id": fault_id}, {"$inc": {"times": -1}})
        return used is not None

    def clear(self) -> int:
        """Disarm every fault, slot and route; how many were armed (the ones ``GET`` lists: used-up ones
        are removed too, uncounted)."""
        with self._writing():
            armed = self.db.faults.count_documents(ARMED) + self.db.route_faults.count_documents(ROUTE_ARMED)
            self.db.faults.delete_many({})
            self.db.route_faults.delete_many({})
        return armed
