"""The simulated clock: read it, set it, move it (running what falls due on the way), pause, resume."""

from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.schedule import next_executions, slots_from, to_iso
from ...domain.timezones import zone
from ...engine.clock import wall_now
from ...http.errors import ApiError
from ...http.services import Services, current
from ...views.today import today
from .instants import bounded, clock_view, instant_of
from .state import reset_to_fixtures


async def get_clock(**_) -> tuple[dict, int]:
    return clock_view(current()), 200


async def set_clock(body: dict, **_) -> tuple[dict, int]:
    services = current()
    target = instant_of(body["now"], "now")
    frozen = body.get("frozen")
    if body.get("reset"):
        reset_to_fixtures(services, target, frozen)
        return {**clock_view(services), "ran": []}, 200
    if target < services.clock.now():
        raise ApiError(
            409,
            "CONFLICT",
            'The clock only moves backwards together with a reset: send {"now": ..., "reset": true}',
        )
    ran = services.runner.advance_to(target)
    if frozen is not None:
        services.clock.set(services.clock.now(), frozen=frozen)
    return {**clock_view(services), "ran": ran}, 200


def next_slot_instant(services: Services) -> datetime | None:
    """The next PENDING slot's time, else the schedule's next execution (None when nothing is due)."""
    now = services.clock.now()
    pending = services.runner.next_pending_instant()
    if pending is not None:
        return max(pending, now)
    settings = services.store.schedule.read()
    if not settings or not settings.get("isEnabled"):
        return None
    upcoming = next_executions(slots_from(settings["schedules"]), zone(settings["timezone"]), now)
    return upcoming[0][1] if upcoming else None


async def advance_clock(body: dict, **_) -> tuple[dict, int]:
    services = current()
    given = [key for key in ("seconds", "to", "until") if body.get(key) is not None]
    if len(given) != 1:
        raise ApiError.validation(['Send exactly one of seconds, to ("next-slot") or until'])
    now = services.clock.now()
    if "seconds" in given:
        target = bounded(now + timedelta(seconds=float(body["seconds"])), "seconds")
    elif "until" in given:
        target = instant_of(body["until"], "until")
        if target < now:
            raise ApiError(409, "CONFLICT", f"until: {body['until']} is before the clock ({to_iso(now)})")
    else:
        found = next_slot_instant(services)
        if found is None:
            raise ApiError(409, "CONFLICT", "Nothing is scheduled: the schedule is disabled and no slot is pending")
        target = found
    ran = services.runner.advance_to(target, racers=int(body.get("racers") or 1))
    return {**clock_view(services), "ran": ran, **why_nothing_ran(services, ran)}, 200


def why_nothing_ran(services: Services, ran: list) -> dict:
    """A move that ran nothing says why, in one line (``note``): nothing queued, the schedule off, or
    the next slot still ahead."""
    if ran:
        return {}
    pending = services.store.days.pending_slots()
    if not pending:
        day = today(services).isoformat()
        return {
            "note": f"Nothing ran: no slot is PENDING (nothing queued for {day}, or all of it has run); "
            "queue a distribution first: POST /api/v1/admin/daily-declaration-returns/today/queue"
        }
    first = pending[0]
    if not services.store.schedule.enabled():
        return {"note": "Nothing ran: the schedule is disabled; PENDING slots wait until it is enabled again"}
    return {"note": f"Nothing ran: the next slot is slot {first['slotNumber']} of {first['date']}, "
            f"at {first['scheduledFor']}"}  # fmt: skip


async def pause_clock(**_) -> tuple[dict, int]:
    services = current()
    services.clock.freeze()
    return clock_view(services), 200


async def resume_clock(**_) -> tuple[dict, int]:
    services = current()
    services.clock.resume()
    return clock_view(services), 200


async def clock_to_wall_time(body: dict | None = None, **_) -> tuple[dict, int]:
    """The clock back to the wall clock, running, without a reset (what happened stays happened)."""
    services = current()
    services.clock.set(wall_now(), frozen=False)
    return clock_view(services), 200
