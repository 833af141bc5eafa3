"""Which day is "today", and today's distribution as the status route shows it.

"Today" is the calendar date in the schedule's timezone on the simulated clock (BRIEF section 0).
Used by the declaration handlers and by the control page.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Protocol

from ..domain.distribution import ros_payout
from ..domain.schedule import EffectiveSchedule
from ..engine.clock import Clock
from ..state.changes import Key
from ..state.store import Store
from .status import Projection, status_view


class Services(Protocol):
    """What today's views read (a request's ``http.services.Services`` is one): views sit below the
    HTTP layer, so they name only the store and the clock."""

    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...


def schedule_in_force(services: Services) -> EffectiveSchedule:
    return services.store.schedule.in_force()


def today(services: Services) -> date:
    """Today is the calendar date in the schedule's timezone, on the simulated clock."""
    return schedule_in_force(services).today(services.clock.now())


def projection(services: Services, day: str) -> Projection:
    """The day's ledger and what a slot would pay the stakes active now (for ``distributionTotals``)."""
    stakes = services.store.stakes

    def per_slot(ros: Decimal) -> Decimal:  # per ROS, kept while the stakes stay as they are
        return services.store.changes.cached(
            Key.ROS_PAYOUT, lambda: ros_payout([stake.amount for stake in stakes.active()], ros), ros, shared=True
        )

    sharing = frozenset(pool for pool, users in stakes.qualifiers().items() if users)
    return Projection(services.store.ledger.paid(day), per_slot, len(stakes.active()), sharing)


def today_status(services: Services) -> dict:
    """The ``data`` of ``GET .../today/status`` (what is due has run: see ``middleware``).

    It depends on the stored state and on which day is today, not on the instant: built once per
    state version and day (the admin app polls it); each caller gets its own copy.

    Read again when the clock has passed midnight meanwhile: a clock move that did may have archived
    the day already (the runner moves the clock first), and a status is of one day on one clock."""
    day = today(services).isoformat()
    while True:
        status = services.store.changes.cached(Key.STATUS, functools.partial(_status, services, day), day)
        later = today(services).isoformat()
        if later == day:
            return status
        day = later


def _status(services: Services, day: str) -> dict:
    stored = services.store.days.open(day)
    if stored is None:
        return status_view(None, [], day)
    return status_view(stored, services.store.days.slots_of(day), day, projection(services, day))
