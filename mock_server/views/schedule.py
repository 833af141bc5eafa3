"""The schedule's wire shapes: SETTINGS, the public cron status, the preview of an unsaved schedule.

Pure: stored settings and ``now`` in, dicts out.
"""

from __future__ import annotations

from datetime import datetime

from ..domain.schedule import (
    EffectiveSchedule,
    Slot,
    describe_duration,
    effective_schedule,
    format_offset,
    next_executions,
    slots_from,
    to_iso,
    to_local_iso,
    upcoming_executions,
)
from ..domain.timezones import label, zone


def next_execution_list(schedule: EffectiveSchedule, now: datetime) -> list[dict]:
    if not schedule.enabled:
        return []
    return [
        {"slotNumber": slot.slot_number, "scheduledFor": to_iso(at), "label": slot.label}
        for slot, at in next_executions(list(schedule.slots), schedule.zone, now)
    ]


def settings_view(settings: dict, now: datetime) -> dict:
    slots = slots_from(settings["schedules"])
    return {
        "_id": str(settings["_id"]),
        "settingType": "daily_distribution",
        "timezone": settings["timezone"],
        "timezoneOffset": format_offset(zone(settings["timezone"]), now),
        "numberOfSlots": len(slots),
        "schedules": [
            {"slotNumber": s.slot_number, "hour": s.hour, "minute": s.minute, "second": s.second, "label": s.label}
            for s in slots
        ],
        "isEnabled": bool(settings["isEnabled"]),
        "nextExecutions": next_execution_list(effective_schedule(settings), now),
        "createdAt": settings["createdAt"],
        "updatedAt": settings["updatedAt"],
    }


def cron_status_view(settings: dict | None, now: datetime) -> dict:
    """The public ``/cron-status`` (BRIEF section 5): nothing about amounts, admins or tokens."""
    schedule = effective_schedule(settings)
    slots = schedule.slots
    view = {
        "status": "active" if schedule.enabled else "inactive",
        "mode": "dynamic" if schedule.saved else "fixed",
        "timezone": label(schedule.zone_name, now),
        "numberOfSlots": len(slots),
        "isEnabled": schedule.enabled,
        "schedules": [
            {"slotNumber": s.slot_number, "scheduledTime": s.scheduled_time, "label": s.label} for s in slots
        ],
        "lastUpdate": schedule.updated_at or to_iso(now),
        "message": (
            f"Distribution cron is active with {len(slots)} slot(s)"
            if schedule.enabled
            else "Distribution cron is disabled: no slot will run until it is enabled"
        ),
    }
    upcoming = next_execution_list(schedule, now)
    if upcoming:
        first = upcoming[0]
        view["nextExecution"] = {"slot": first["slotNumber"], "time": first["scheduledFor"], "label": first["label"]}
    return view


def preview_view(slots: list[Slot], zone_name: str, now: datetime, count: int = 5) -> dict:
    """The ``data`` of the schedule preview: the next ``count`` executions of an unsaved schedule,
    from the same maths as a saved schedule's ``nextExecutions``."""
    tz = zone(zone_name)
    return {
        "currentTime": to_iso(now),
        "timezone": zone_name,
        "nextExecutions": [
            {
                "slotNumber": slot.slot_number,
                "slotTime": slot.scheduled_time,
                "label": slot.label,
                "nextRun": to_iso(at),
                "localTime": to_local_iso(at, tz),
                "timeUntil": describe_duration((at - now).total_seconds()),
            }
            for slot, at in upcoming_executions(slots, tz, now, count)
        ],
    }
