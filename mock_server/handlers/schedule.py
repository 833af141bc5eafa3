"""Timezones, the distribution schedule and its toggle (BRIEF sections 1-4)."""

from __future__ import annotations

import json

from bson import ObjectId
from starlette.responses import Response

from ..domain.schedule import preview_slots, to_iso
from ..http import json_input
from ..http.errors import ApiError
from ..http.services import Services, current
from ..views.schedule import preview_view, settings_view
from ..views.timezones import timezones_view

NO_SCHEDULE = "No distribution schedule configured"


def _stored_settings(services: Services) -> dict:
    settings = services.store.schedule.read()
    if settings is None:
        raise ApiError(404, "NOT_FOUND", NO_SCHEDULE)
    return settings


async def list_timezones(**_) -> Response:
    services = current()
    return services.answer("timezones", lambda now: {"success": True, "data": timezones_view(services.catalogue, now)})


async def get_distribution_schedule(**_) -> Response:
    services = current()

    def build(now):
        return {"success": True, "data": settings_view(_stored_settings(services), now)}

    return services.answer("schedule", build)


async def update_distribution_schedule(body: dict, **_) -> tuple[dict, int]:
    services = current()  # the body passed the schema and x-rules: schedule-update
    timezone = services.catalogue.resolve(body["timezone"])
    now = to_iso(services.clock.now())
    existing = services.store.schedule.read()
    fields = {
        "settingType": "daily_distribution",
        "timezone": timezone,
        "schedules": [
            {
                "slotNumber": entry["slotNumber"],
                "hour": entry["hour"],
                "minute": entry["minute"],
                "second": entry["second"],
                "label": entry.get("label") or "",
            }
            for entry in sorted(body["schedules"], key=lambda e: e["slotNumber"])
        ],
        "updatedAt": now,
    }
    if existing is None:
        fields.update({"_id": str(ObjectId()), "isEnabled": True, "createdAt": now})
    saved = services.store.schedule.save(fields)
    return {
        "success": True,
        "message": "Distribution schedule updated successfully. Cron jobs restarted.",
        "data": settings_view(saved, services.clock.now()),
    }, 200


async def toggle_distribution_schedule(body: dict, **_) -> tuple[dict, int]:
    services = current()
    _stored_settings(services)
    enabled = bool(body["isEnabled"])
    saved = services.store.schedule.save({"isEnabled": enabled, "updatedAt": to_iso(services.clock.now())})
    return {
        "success": True,
        "message": f"Cron job {'enabled' if enabled else 'disabled'} successfully",
        "data": settings_view(saved, services.clock.now()),
    }, 200


def _saved_form(services: Services) -> tuple[str, str]:
    """The saved schedule as the preview's parameters (for clients that omit them)."""
    settings = _stored_settings(services)
    entries = [
        {"time": f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}", "label": s["label"]}
        for s in settings["schedules"]
    ]
    return settings["timezone"], json.dumps(entries)


async def preview_distribution_schedule(timezone: str | None = None, slots: str | None = None, **_) -> tuple[dict, int]:
    services = current()
    if timezone is None or slots is None:
        saved_zone, saved_slots = _saved_form(services)
        timezone = saved_zone if timezone is None else timezone
        slots = saved_slots if slots is None else slots
    problems = []
    zone_name = services.catalogue.resolve(timezone)
    if zone_name is None:
        problems.append(
            f"timezone: '{timezone}' is not a supported timezone; send an IANA name from the list or its label"
        )
    try:
        entries = json_input.load(slots)
    except ValueError as refused:
        entries = None
        problems.append(f'slots: not valid JSON ({refused}); send e.g. [{{"time":"09:00:00","label":"Morning"}}]')
    parsed, slot_problems = preview_slots(entries) if entries is not None else ([], [])
    problems += slot_problems
    if problems:
        raise ApiError.validation(problems)
    return {"success": True, "data": preview_view(parsed, zone_name, services.clock.now())}, 200
