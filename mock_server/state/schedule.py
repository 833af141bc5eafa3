"""The saved distribution settings (one document), and the schedule in force."""

from __future__ import annotations

from pymongo import ReturnDocument

from ..domain.schedule import EffectiveSchedule, effective_schedule
from .changes import Concept, Key
from .database import Repository


class Schedule(Repository):
    concept = Concept.SCHEDULE

    def read(self) -> dict | None:
        """The saved settings (a copy), or None."""
        return self.changes.cached(
            Key.SETTINGS, lambda: self.db.settings.find_one({"settingType": "daily_distribution"})
        )

    def in_force(self) -> EffectiveSchedule:
        """The schedule in force: the saved settings, or else the legacy time (frozen, so shared:
        every plan of the runner and every request asks)."""
        return self.changes.cached(Key.SCHEDULE_IN_FORCE, lambda: effective_schedule(self.read()), shared=True)

    def enabled(self) -> bool:
        """Whether a schedule is saved and enabled (the legacy time runs nothing by itself)."""
        schedule = self.in_force()
        return schedule.saved and schedule.enabled

    def slot_numbers(self) -> tuple[int, ...]:
        """The saved schedule's slot numbers in order (none when no schedule is saved)."""
        schedule = self.in_force()
        return tuple(sorted(slot.slot_number for slot in schedule.slots)) if schedule.saved else ()

    def save(self, fields: dict) -> dict:
        with self._writing():
            return self.db.settings.find_one_and_update(
                {"settingType": "daily_distribution"},
                {"$set": fields},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
