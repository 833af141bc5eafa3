"""Which day is "today", and today's distribution as the status route shows it.

"Today" is the calendar date in the schedule's timezone on the simulated clock (BRIEF section 0).
Used by the declaration handlers and by the control page.
"""

from __future__ import annotations

from datetime import date

from .domain.schedule import EffectiveSchedule, effective_schedule
from .services import Services
from .views import status_view


def schedule_in_force(services: Services) -> EffectiveSchedule:
    return effective_schedule(services.store.schedule.read())


def today(services: Services) -> date:
    """Today is the calendar date in the schedule's timezone, on the simulated clock."""
    return schedule_in_force(services).today(services.clock.now())


def today_status(services: Services) -> dict:
    """The ``data`` of ``GET .../today/status`` (what is due has run: see ``middleware``)."""
    day = today(services).isoformat()
    stored = services.store.days.open(day)
    return status_view(stored, services.store.days.slots_of(day) if stored else [], day)
