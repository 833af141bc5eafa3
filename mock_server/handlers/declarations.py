"""Today's daily declaration: queue it, read its per-slot status (BRIEF sections 6-7)."""

from __future__ import annotations

from datetime import date, datetime

from ..domain.distribution import exact, plan_modification, split_evenly
from ..domain.schedule import Slot, day_end, slot_instant, slots_from, to_iso
from ..domain.timezones import zone
from ..errors import ApiError
from ..services import current
from ..store import DuplicateKeyError
from ..today import today, today_status
from ..views import LEGACY_SCHEDULES, LEGACY_ZONE

ALREADY_QUEUED = "Today's distribution has already been queued. Check status for details."


def plan_day(body: dict, settings: dict | None, day: date, now: datetime) -> tuple[dict, list[dict]]:
    """The stored day and its slot snapshots: times fixed now, whatever the schedule does later."""
    multi = bool(body.get("multiSlotEnabled"))
    if multi:
        zone_name = settings["timezone"]
        ros_by_slot = {entry["slotNumber"]: exact(entry["rosPercentage"]) for entry in body["distributionSlots"]}
        slots = slots_from(settings["schedules"])
    else:
        zone_name = LEGACY_ZONE
        slots = slots_from(LEGACY_SCHEDULES)
        ros_by_slot = {1: exact(body["rosPercentage"])}
    tz = zone(zone_name)
    premium = split_evenly(exact(body["premiumPoolAmount"]), len(slots))
    performance = split_evenly(exact(body["performancePoolAmount"]), len(slots))
    iso_day = day.isoformat()
    ends = to_iso(day_end(day, tz))
    slot_docs = [
        _slot_doc(iso_day, slot, slot_instant(day, slot, tz), ros_by_slot[slot.slot_number], share_p, share_f, ends)
        for slot, share_p, share_f in zip(slots, premium, performance, strict=True)
    ]
    day_doc = {
        "date": iso_day,
        "timezone": zone_name,
        "multiSlotEnabled": multi,
        "values": {
            "rosPercentage": str(exact(body["rosPercentage"])),
            "premiumPoolAmount": str(exact(body["premiumPoolAmount"])),
            "performancePoolAmount": str(exact(body["performancePoolAmount"])),
            "description": body.get("description") or "",
        },
        "createdAt": to_iso(now),
        "dayEnd": ends,
    }
    return day_doc, slot_docs


def _slot_doc(day: str, slot: Slot, at: datetime, ros, premium, performance, ends: str) -> dict:
    return {
        "date": day,
        "slotNumber": slot.slot_number,
        "rosPercentage": str(ros),
        "premiumPoolAmount": str(premium),
        "performancePoolAmount": str(performance),
        "scheduledFor": to_iso(at),
        "scheduledTime": slot.scheduled_time,
        "label": slot.label,
        "status": "PENDING",
        "executionDetails": None,
        "dayEnd": ends,
    }


async def queue_today(body: dict, **_) -> tuple[dict, int]:
    services = current()
    settings = services.store.settings()
    if body.get("multiSlotEnabled") and settings is None:
        raise ApiError(
            404, "NOT_FOUND", "No distribution schedule configured: save a schedule before a multi-slot queue"
        )
    services.runner.catch_up()  # the body passed the schema and x-rules: queue
    day = today(services)
    earlier = services.store.any_day(day.isoformat())
    if earlier is not None:  # one calendar date is distributed once, whatever the zone did since
        if earlier["timezone"] == (settings or {}).get("timezone", earlier["timezone"]):
            raise ApiError(409, "CONFLICT", ALREADY_QUEUED)
        raise ApiError(
            409,
            "CONFLICT",
            f"{day.isoformat()} was already distributed, on its {earlier['timezone']} day (queued "
            f"{earlier['createdAt']}); a date is distributed once, whatever the schedule's zone",
        )
    day_doc, slot_docs = plan_day(body, settings, day, services.clock.now())
    try:
        services.store.insert_day(day_doc, slot_docs)
    except DuplicateKeyError:
        raise ApiError(409, "CONFLICT", ALREADY_QUEUED) from None
    data = today_status(services)  # runs at once any slot whose time has already passed
    return {
        "success": True,
        "message": f"Distribution queued successfully for {len(slot_docs)} slot(s)",
        "data": data,
    }, 201


async def get_today_status(**_) -> tuple[dict, int]:
    return {"success": True, "data": today_status(current())}, 200


NOTHING_QUEUED = "Nothing is queued today"


async def modify_today(body: dict, **_) -> tuple[dict, int]:
    services = current()
    services.runner.catch_up()  # a slot that is due runs before it could be edited
    day = today(services).isoformat()
    stored = services.store.day(day)
    if stored is None:
        raise ApiError(404, "NOT_FOUND", f"{NOTHING_QUEUED}: queue a distribution first")
    paid = services.store.paid(day)
    already = {"premiumPoolAmount": paid["premium"], "performancePoolAmount": paid["performance"]}
    values, slot_updates = plan_modification(stored, services.store.slots_of(day), body, already)
    for number, fields in slot_updates.items():
        if not services.store.update_pending_slot(day, number, fields):
            raise ApiError(
                409, "CONFLICT", f"Slot {number} ran while it was being edited; nothing was changed after it"
            )
    services.store.update_day(day, {"values": values})
    return {"success": True, "message": "Today's distribution updated", "data": today_status(services)}, 200


async def cancel_today(body: dict | None = None, **_) -> tuple[dict, int]:
    services = current()
    services.runner.catch_up()
    day = today(services).isoformat()
    if services.store.day(day) is None:
        raise ApiError(404, "NOT_FOUND", f"{NOTHING_QUEUED}: there is nothing to cancel")
    removed = services.store.delete_pending_slots(day)
    if removed == 0:
        raise ApiError(404, "NOT_FOUND", "Nothing to cancel: every slot of today has already run")
    if not services.store.slots_of(day):
        services.store.delete_day(day)
    return {"success": True, "message": f"Cancelled {removed} pending slot(s) of {day}"}, 200
