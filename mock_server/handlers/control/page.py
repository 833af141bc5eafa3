"""The ``/__mock/`` page (and its icon), and everything it shows in one read."""

from __future__ import annotations

from datetime import time

from starlette.responses import Response

from ...domain.schedule import day_end, local_to_utc, slot_instant, to_iso, to_local_iso
from ...domain.timezones import label
from ...http.services import current
from ...resources import STATIC_DIR
from ...views.today import schedule_in_force, today_status
from .identities import identity_view


async def control_page(**_) -> tuple[str, int, dict]:
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page, 200, {"Content-Type": "text/html"}  # the page declares its charset itself


# The /__mock/ page's icon (a clock face), served at /favicon.ico where browsers ask for it: a browser
# tab on the mock shows it instead of a 404 on the console.
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#2e5bff"/>'
    b'<path d="M8 4v4l3 2" stroke="#fff" stroke-width="1.6" fill="none" stroke-linecap="round"/></svg>'
)


async def favicon(_request) -> Response:
    return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


async def control_state(**_) -> tuple[dict, int]:
    """Everything the page shows: the clock, the schedule on today's local day, today's slots, codes."""
    services = current()
    now = services.clock.now()
    schedule = schedule_in_force(services)
    zone_name, tz = schedule.zone_name, schedule.zone
    day = schedule.today(now)
    iso_day = day.isoformat()
    identities = [
        identity_view(services.store.users.by_identifier(i["email"]) or i, now) for i in services.fixtures.identities
    ]
    return {
        "now": to_iso(now),
        "frozen": services.clock.frozen,
        "timezone": zone_name,
        "timezoneLabel": label(zone_name, now),
        "localTime": to_local_iso(now, tz),
        "isEnabled": schedule.enabled,
        "today": iso_day,
        "dayStart": to_iso(local_to_utc(day, time(0), tz)),
        "dayEnd": to_iso(day_end(day, tz)),
        "schedule": [
            {
                "slotNumber": slot.slot_number,
                "scheduledTime": slot.scheduled_time,
                "label": slot.label,
                "scheduledFor": to_iso(slot_instant(day, slot, tz)),
            }
            for slot in schedule.slots
        ],
        "day": today_status(services),
        "faults": services.store.faults.armed(),
        "identities": identities,
    }, 200
