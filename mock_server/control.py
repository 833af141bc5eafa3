"""Handlers of the mock's own ``/__mock/`` routes: clock, reset, tokens, TOTP codes, faults."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp

from .auth import mint_token
from .domain.schedule import next_executions, parse_iso, slots_from, to_iso
from .domain.timezones import zone
from .errors import ApiError
from .services import Services, current


def clock_view(services: Services) -> dict:
    return {"now": to_iso(services.clock.now()), "frozen": services.clock.frozen}


def _instant(text: str, field: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        raise ApiError.validation(
            [f"{field}: '{text}' is not an ISO 8601 instant (e.g. 2026-02-12T07:00:00.000Z)"]
        ) from None


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
    settings = services.store.settings()
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
        target = now + timedelta(seconds=float(body["seconds"]))
    elif "until" in given:
        target = _instant(body["until"], "until")
        if target < now:
            raise ApiError.validation([f"until: {body['until']} is before the clock ({to_iso(now)})"])
    else:
        found = next_slot_instant(services)
        if found is None:
            raise ApiError.validation(["Nothing is scheduled: the schedule is disabled and no slot is pending"])
        target = found
    ran = services.runner.advance_to(target)
    return {**clock_view(services), "ran": ran}, 200


async def pause_clock(**_) -> tuple[dict, int]:
    services = current()
    services.clock.freeze()
    return clock_view(services), 200


async def resume_clock(**_) -> tuple[dict, int]:
    services = current()
    services.clock.resume()
    return clock_view(services), 200


async def reset_state(body: dict | None = None, **_) -> tuple[dict, int]:
    services = current()
    body = body or {}
    now = _instant(body["now"], "now") if body.get("now") else None
    reset_to_fixtures(services, now, body.get("frozen"))
    return clock_view(services), 200


def _identity(services: Services, identifier: str) -> dict:
    user = services.store.user_by_identifier(identifier)
    if user is None:
        known = ", ".join(i["email"] for i in services.fixtures.identities)
        raise ApiError(404, "NOT_FOUND", f"No identity '{identifier}'; the fixtures have: {known}")
    return user


async def mint(body: dict, **_) -> tuple[dict, int]:
    services = current()
    user = _identity(services, body["identifier"])
    token, expires = mint_token(services, user, verified=True, expires_in=body.get("expiresIn"))
    return {"token": token, "expiresAt": to_iso(expires)}, 200


async def current_totp(identifier: str, **_) -> tuple[dict, int]:
    services = current()
    user = _identity(services, identifier)
    if not user.get("totpSecret"):
        raise ApiError(404, "NOT_FOUND", f"{user['email']} has no two-factor authentication enabled")
    totp = pyotp.TOTP(user["totpSecret"])
    now = services.clock.now()
    remaining = totp.interval - int(now.timestamp()) % totp.interval
    return {"code": totp.at(now), "validForSeconds": remaining}, 200


async def list_faults(**_) -> tuple[dict, int]:
    return {"faults": current().store.faults()}, 200


async def inject_fault(body: dict, **_) -> tuple[dict, int]:
    services = current()
    fault = {
        "slotNumber": body["slotNumber"],
        "times": body.get("times", 1),
        "error": body.get("error")
        or f"Simulated failure of slot {body['slotNumber']} (injected through /__mock/faults)",
    }
    services.store.add_fault(fault["slotNumber"], fault["times"], fault["error"])
    return fault, 201
