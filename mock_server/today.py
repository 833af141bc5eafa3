"""Which day is "today", and today's distribution as the status route shows it.

"Today" is the calendar date in the schedule's timezone on the simulated clock (BRIEF section 0).
Used by the declaration handlers and by the control page.
"""

from __future__ import annotations

from datetime import date

from .domain.schedule import today_in
from .domain.timezones import zone
from .services import Services
from .views import LEGACY_ZONE, status_view


def schedule_zone(services: Services) -> str:
    settings = services.store.settings()
    return settings["timezone"] if settings else LEGACY_ZONE


def today(services: Services) -> date:
    """Today is the calendar date in the schedule's timezone, on the simulated clock."""
    return today_in(zone(schedule_zone(services)), services.clock.now())


def today_status(services: Services) -> dict:
    """The ``data`` of ``GET .../today/status``, after running whatever is due."""
    services.runner.catch_up()
    day = today(services).isoformat()
    stored = services.store.day(day)
    return status_view(stored, services.store.slots_of(day) if stored else [], day)
