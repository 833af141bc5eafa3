"""Deliberate faults for the mutation check (loaded with ``-p tests.mutants`` and MOCK_MUTANT=name).

Each patches the mock before the suite builds it. Response validation of the mock is switched off,
so it is the suite that must notice, not the mock's own self-check.
"""

from __future__ import annotations

import dataclasses
import functools
import os

MUTANTS = {
    "wrong-status": "the queue answers 200 instead of 201",
    "missing-field": "SETTINGS lose timezoneOffset",
    "no-2fa": "2FA is not enforced",
    "slot-runs-twice": "a finished slot goes back to PENDING and runs again",
    "wrong-offset": "offsets ignore DST (always the January offset)",
}


def _no_response_validation() -> None:
    import mock_server.settings as settings_module

    original = settings_module.Settings

    def settings(*args, **kwargs):
        return dataclasses.replace(original(*args, **kwargs), validate_responses=False)

    settings_module.Settings = settings  # type: ignore[misc]


def apply(name: str) -> None:
    _no_response_validation()
    if name == "wrong-status":
        from mock_server import handlers
        from mock_server.handlers import declarations

        async def queue(body, **kwargs):
            payload, _status = await declarations.queue_today(body, **kwargs)
            return payload, 200

        handlers.HANDLERS["queueTodayDistribution"] = queue
    elif name == "missing-field":
        from mock_server import views
        from mock_server.handlers import schedule

        original = views.settings_view

        @functools.wraps(original)
        def without_offset(settings, now):
            view = original(settings, now)
            view.pop("timezoneOffset")
            return view

        schedule.settings_view = without_offset
    elif name == "no-2fa":
        from mock_server import auth

        auth.require_two_factor = lambda services, user, code: None
    elif name == "slot-runs-twice":
        from mock_server.store import Store

        original_finish = Store.finish_slot

        def finish_then_reopen(self, date, slot_number, status, details):
            original_finish(self, date, slot_number, status, details)
            if status == "COMPLETED":  # once per stored slot: the flag lives in the slot's document
                self.db.distribution_slots.update_one(
                    {"date": date, "slotNumber": slot_number, "reopened": {"$ne": True}},
                    {"$set": {"status": "PENDING", "reopened": True}},
                )

        Store.finish_slot = finish_then_reopen
    elif name == "wrong-offset":
        from datetime import UTC, datetime

        from mock_server import views
        from mock_server.domain import schedule, timezones

        original_offset = schedule.format_offset

        def january_offset(zone, instant):
            return original_offset(zone, datetime(instant.year, 1, 15, tzinfo=UTC))

        timezones.format_offset = january_offset
        views.format_offset = january_offset
    else:
        raise ValueError(f"unknown mutant {name!r}; known: {sorted(MUTANTS)}")


def pytest_configure(config) -> None:
    name = os.environ.get("MOCK_MUTANT")
    if name:
        apply(name)
