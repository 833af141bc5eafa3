"""Today's daily declaration: queue it, read its per-slot status (BRIEF sections 6-7)."""

from __future__ import annotations

from starlette.responses import Response

from ..domain.distribution import plan_day, with_pools
from ..domain.modification import plan_modification
from ..http.errors import ApiError
from ..http.services import current
from ..state.store import DuplicateKeyError
from ..views.today import schedule_in_force, today, today_status

ALREADY_QUEUED = "Today's distribution has already been queued. Check status for details."


async def queue_today_distribution(body: dict, token_info: dict, **_) -> tuple[dict, int]:
    services = current()
    schedule = schedule_in_force(services)
    if body.get("multiSlotEnabled") and not schedule.saved:
        raise ApiError(
            404, "NOT_FOUND", "No distribution schedule configured: save a schedule before a multi-slot queue"
        )
    day = today(services)
    earlier = services.store.days.distributed(day.isoformat())
    if earlier is not None:  # one calendar date is distributed once, whatever the zone did since
        if not schedule.saved or earlier["timezone"] == schedule.zone_name:
            raise ApiError(409, "CONFLICT", ALREADY_QUEUED)
        raise ApiError(
            409,
            "CONFLICT",
            f"{day.isoformat()} was already distributed, on its {earlier['timezone']} day (queued "
            f"{earlier['createdAt']}); a date is distributed once, whatever the schedule's zone",
        )
    body = with_pools(body, [stake.amount for stake in services.store.stakes.active()])
    day_doc, slot_docs = plan_day(body, schedule, day, services.clock.now())
    day_doc["queuedBy"] = token_info["user"]["_id"]
    try:
        services.store.days.insert(day_doc, slot_docs)
    except DuplicateKeyError:
        raise ApiError(409, "CONFLICT", ALREADY_QUEUED) from None
    # A slot whose time has already passed runs at once (BRIEF §6), before the answer is made: the 201
    # shows what a read right after shows (the middleware ran due work before the day existed).
    services.runner.catch_up()
    data = today_status(services)
    return {
        "success": True,
        "message": f"Distribution queued successfully for {len(slot_docs)} slot(s)",
        "data": data,
    }, 201


async def get_today_distribution_status(**_) -> Response:
    services = current()
    return services.answer("today-status", lambda _now: {"success": True, "data": today_status(services)})


NOTHING_QUEUED = "Nothing is queued today"


async def modify_today_distribution(body: dict, **_) -> tuple[dict, int]:
    services = current()
    day = today(services).isoformat()
    stored = services.store.days.open(day)
    if stored is None:
        raise ApiError(404, "NOT_FOUND", f"{NOTHING_QUEUED}: queue a distribution first")
    paid = services.store.ledger.paid(day)
    already = {"premiumPoolAmount": paid["premium"], "performancePoolAmount": paid["performance"]}
    values, slot_updates = plan_modification(stored, services.store.days.slots_of(day), body, already)
    for number, fields in slot_updates.items():
        if not services.store.days.update_pending_slot(day, number, fields):
            raise ApiError(
                409, "CONFLICT", f"Slot {number} ran while it was being edited; nothing was changed after it"
            )
    services.store.days.update(day, {"values": values})
    return {"success": True, "message": "Today's distribution updated", "data": today_status(services)}, 200


async def cancel_today_distribution(body: dict | None = None, **_) -> tuple[dict, int]:
    services = current()
    day = today(services).isoformat()
    if services.store.days.open(day) is None:
        raise ApiError(404, "NOT_FOUND", f"{NOTHING_QUEUED}: there is nothing to cancel")
    removed = services.store.days.delete_pending_slots(day)
    if removed == 0:
        raise ApiError(404, "NOT_FOUND", "Nothing to cancel: every slot of today has already run")
    if not services.store.days.slots_of(day):
        services.store.days.delete(day)
    return {"success": True, "message": f"Cancelled {removed} pending slot(s) of {day}"}, 200


async def force_reset_today_distribution(body: dict | None = None, **_) -> tuple[dict, int]:
    services = current()
    day = today(services).isoformat()
    released = services.store.days.release_stuck(day) if services.store.days.open(day) else []
    if released:
        numbers = ", ".join(str(n) for n in released)
        message = f"Released slot(s) {numbers} of {day}: each runs again (at once if its time has passed)"
    else:
        message = f"Nothing was stuck on {day}: no slot is EXECUTING or FAILED; nothing changed"
    services.runner.catch_up()  # a released slot whose time has passed runs at once, before the answer
    return {"success": True, "message": message, "data": today_status(services)}, 200
