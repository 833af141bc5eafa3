"""Which day is "today", and today's distribution as the status route shows it.

"Today" is the calendar date in the schedule's timezone on the simulated clock (BRIEF section 0).
Used by the declaration handlers and by the control page.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Protocol

from ..domain.distribution import ros_payout
from ..domain.schedule import EffectiveSchedule
from ..engine.clock import Clock
from ..state.store import Store
from .wire import Projection, status_view


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
    store = services.store
    stakes = store.stakes.active()
    per_slot = store.changes.cached(  # per ROS, remembered while the stakes stay as they are
        "ros-payout",
        lambda: functools.lru_cache(maxsize=64)(functools.partial(ros_payout, [stake.amount for stake in stakes])),
        on=(store.stakes.name,),
        immutable=True,
    )
    sharing = frozenset(pool for pool, users in store.stakes.qualifiers().items() if users)
    return Projection(store.ledger.paid(day), per_slot, len(stakes), sharing)


def today_status(services: Services) -> dict:
    """The ``data`` of ``GET .../today/status`` (what is due has run: see ``middleware``).

    It depends on the stored state and on which day is today, not on the instant: built once per
    state version and day (the admin app polls it), and shared read-only by its callers."""
    day = today(services).isoformat()

    def build() -> dict:
        stored = services.store.days.open(day)
        if stored is None:
            return status_view(None, [], day)
        return status_view(stored, services.store.days.slots_of(day), day, projection(services, day))

    return services.store.changes.cached(f"status:{day}", build, immutable=True)
