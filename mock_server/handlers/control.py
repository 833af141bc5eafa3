"""Handlers of the mock's own ``/__mock/`` routes: clock, reset, tokens, TOTP codes, faults."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from urllib.parse import quote

import pyotp
from starlette.responses import Response

from ..domain.schedule import (
    day_end,
    local_to_utc,
    next_executions,
    parse_iso,
    slot_instant,
    slots_from,
    to_iso,
    to_local_iso,
)
from ..domain.timezones import label, zone
from ..engine.clock import EARLIEST, LATEST, wall_now, within_bounds
from ..http import auth
from ..http.errors import ApiError
from ..http.route_faults import selector_problems
from ..http.services import Services, current
from ..resources import STATIC_DIR
from ..state.store import EXPORTS_KEPT
from ..views.authenticator import otpauth_uri, qr_png
from ..views.today import schedule_in_force, today, today_status


def clock_view(services: Services) -> dict:
    return {"now": to_iso(services.clock.now()), "frozen": services.clock.frozen}


def _instant(text: str, field: str) -> datetime:
    try:
        instant = parse_iso(text)
    except (ValueError, OverflowError):
        raise ApiError.validation(
            [f"{field}: '{text}' is not an ISO 8601 instant (e.g. 2026-02-12T07:00:00.000Z)"]
        ) from None
    return _bounded(instant, field)


def _bounded(instant: datetime, field: str) -> datetime:
    if not within_bounds(instant):
        raise ApiError.validation(
            [f"{field}: {to_iso(instant)} is outside the mock's clock range, {to_iso(EARLIEST)} .. {to_iso(LATEST)}"]
        )
    return instant


def reset_to_fixtures(services: Services, now: datetime | None = None, frozen: bool | None = None) -> None:
    services.store.reset(services.fixtures)
    if now is not None or frozen is not None:
        services.clock.set(now or services.clock.now(), frozen=frozen)


async def get_clock(**_) -> tuple[dict, int]:
    return clock_view(current()), 200


async def set_clock(body: dict, **_) -> tuple[dict, int]:
    services = current()
    target = _instant(body["now"], "now")
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
        target = _bounded(now + timedelta(seconds=float(body["seconds"])), "seconds")
    elif "until" in given:
        target = _instant(body["until"], "until")
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


async def reset_state(body: dict | None = None, **_) -> tuple[dict, int]:
    """Back to the fixtures, and the clock to ``now`` (frozen or running as it was, unless ``frozen``
    says) or else back to the wall clock, running (unless ``frozen: true``)."""
    services = current()
    body = body or {}
    if body.get("now"):
        reset_to_fixtures(services, _instant(body["now"], "now"), body.get("frozen"))
    else:
        reset_to_fixtures(services, wall_now(), bool(body.get("frozen", False)))
    return clock_view(services), 200


async def clock_to_wall_time(body: dict | None = None, **_) -> tuple[dict, int]:
    """The clock back to the wall clock, running, without a reset (what happened stays happened)."""
    services = current()
    services.clock.set(wall_now(), frozen=False)
    return clock_view(services), 200


def _identity(services: Services, identifier: str) -> dict:
    user = services.store.users.by_identifier(identifier)
    if user is None:
        known = ", ".join(i["email"] for i in services.fixtures.identities)
        raise ApiError(404, "NOT_FOUND", f"No identity '{identifier}'; the fixtures have: {known}")
    return user


async def mint_token(body: dict, **_) -> tuple[dict, int]:
    services = current()
    user = _identity(services, body["identifier"])
    token, expires = auth.mint_token(services, user, verified=True, expires_in=body.get("expiresIn"))
    return {"token": token, "expiresAt": to_iso(expires)}, 200


def totp_now(secret: str, now: datetime) -> dict:
    """The code an authenticator shows at ``now``, and how long it stays current."""
    totp = pyotp.TOTP(secret)
    return {"code": totp.at(now), "validForSeconds": totp.interval - int(now.timestamp()) % totp.interval}


async def current_totp(identifier: str, **_) -> tuple[dict, int]:
    services = current()
    user = _identity(services, identifier)
    if not user.get("totpSecret"):
        raise ApiError(404, "NOT_FOUND", f"{user['email']} has no two-factor authentication enabled")
    return totp_now(user["totpSecret"], services.clock.now()), 200


def _identity_view(user: dict, now: datetime) -> dict:
    """A fixture identity as the page shows it: its 2FA as it is now (the set-up screen may have
    turned it on), its current code, and its QR code while it has a secret."""
    entry = {"identifier": user["email"], "role": user["role"], "twoFAEnabled": bool(user.get("twoFAEnabled"))}
    if user.get("totpSecret"):
        entry.update(totp_now(user["totpSecret"], now))
    if user.get("twoFactorSetup"):
        entry["setupOpen"] = True
    secret = _authenticator_secret(user)
    if secret:  # the query names the secret's version, so the page's image changes with it
        version = hashlib.sha256(secret.encode()).hexdigest()[:8]
        entry["qr"] = f"/__mock/totp/{quote(user['email'])}/qr?v={version}"
    return entry


def _authenticator_secret(user: dict) -> str | None:
    """The secret an authenticator app should hold: the enabled one, else the open set-up's."""
    return user.get("totpSecret") or (user.get("twoFactorSetup") or {}).get("secret")


async def current_totp_qr(identifier: str, **_) -> Response:
    user = _identity(current(), identifier)
    secret = _authenticator_secret(user)
    if not secret:
        raise ApiError(404, "NOT_FOUND", f"{user['email']} has no two-factor secret: nothing to scan")
    png = qr_png(otpauth_uri(user["email"], secret))
    return Response(png, status_code=200, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


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
        _identity_view(services.store.users.by_identifier(i["email"]) or i, now) for i in services.fixtures.identities
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


async def list_stakes(**_) -> tuple[dict, int]:
    stakes = current().store.stakes.all()
    return {
        "stakes": [{"id": s["_id"], "amount": str(s["amount"]), "isActive": bool(s["isActive"])} for s in stakes]
    }, 200


async def list_faults(**_) -> tuple[dict, int]:
    faults = current().store.faults
    return {"faults": faults.armed(), "routeFaults": [route_fault_view(f) for f in faults.routes()]}, 200


async def clear_faults(**_) -> tuple[dict, int]:
    return {"cleared": current().store.faults.clear()}, 200


ROUTE_FAULT_FIELDS = ("operationId", "method", "path", "status", "body", "delayMs", "drop", "times", "probability")


def route_fault_view(fault: dict) -> dict:
    return {"id": fault["_id"], **{k: fault[k] for k in ROUTE_FAULT_FIELDS if k in fault}}


def arm_route_fault(services: Services, body: dict) -> tuple[dict, int]:
    """The document's schema says what a route fault is (a match and an effect); this only orders a
    delay range and refuses an ``id``, which the mock sets."""
    if "id" in body:
        raise ApiError.validation(["id: set by the mock; leave it out"])
    problems = selector_problems(body, services.routes, services.operations)
    if problems:  # well-formed, naming what is not there: 404, as a token for an unknown identity is
        raise ApiError(404, "NOT_FOUND", f"Nothing to fault: {'; '.join(problems)}")
    fault = {k: body[k] for k in ROUTE_FAULT_FIELDS if k in body}
    if isinstance(fault.get("delayMs"), list):
        fault["delayMs"] = sorted(fault["delayMs"])
    fault.setdefault("times", None)
    return route_fault_view(services.store.faults.add_route(fault)), 201


FAULT_ERRORS = {
    "fail": "Simulated failure of slot {} (injected through /__mock/faults)",
    "stuck": "Simulated crash: slot {}'s worker died before paying (injected through /__mock/faults)",
    "stuck-after-payment": "Simulated crash: slot {}'s worker died after paying (injected through /__mock/faults)",
}


async def inject_fault(body: dict, **_) -> tuple[dict, int]:
    services = current()
    if "slotNumber" not in body:
        return arm_route_fault(services, body)
    effect = body.get("effect", "fail")
    number = body["slotNumber"]
    fault = {
        "slotNumber": number,
        "times": body.get("times", 1),
        "effect": effect,
        "error": body.get("error") or FAULT_ERRORS[effect].format(number),
    }
    services.store.faults.add(number, fault["times"], fault["error"], effect)
    return fault, 201


FILENAME = "distribution-history.csv"


async def download_export(exportId: str, **_):
    text = current().store.exports.text(exportId.removesuffix(".csv"))
    if text is None:
        kept = f"download links stay valid for the last {EXPORTS_KEPT} exports"
        raise ApiError(404, "NOT_FOUND", f"No such export: {kept}")
    headers = {"Content-Type": "text/csv", "Content-Disposition": f'attachment; filename="{FILENAME}"'}
    return text, 200, headers


async def list_requests(
    method: str | None = None, path: str | None = None, operationId: str | None = None,
    status: str | None = None, since: int | None = None, limit: int | None = None, **_,
) -> tuple[dict, int]:  # fmt: skip
    journal = current().journal
    found = journal.entries(method=method, path=path, operation_id=operationId, status=status, since=since, limit=limit)
    return {"requests": found}, 200


async def clear_requests(**_) -> tuple[dict, int]:
    return {"cleared": current().journal.clear()}, 200
