"""A small, independent implementation of the contract's read side, its schedule writes and sign-in.

Written from BRIEF.md alone, on bare Starlette, sharing no code with ``mock_server``: the contract
suite must pass against it when it is correct and fail, naming a case, for each planted fault
(``FAULTS``; ``WATCH_FAULTS`` are those only a watch over time sees). It runs on the wall clock, as a
real backend does, and holds one day of distribution that is half run: slot 1 COMPLETED twenty
minutes ago, slot 2 PENDING in twenty minutes.

Its zone is picked at start so that the local date differs from the UTC date, so that a backend
computing "today" in UTC is visible at any hour of the day.

Its one admin signs in with a password and, 2FA being enabled, a code (BRIEF §0, §10). What today's
admin app reads of its days (BRIEF §10-§11: the payout card, history, details, export) is
``tests/independent_days.py``.

Run: ``python -m tests.independent_backend --port 5077 [--fault NAME ...]``; it prints
``token=...``, ``support=...``, ``secret=...``, ``identifier=...`` and ``password=...`` on its first lines.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import jwt
import pyotp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import independent_days
from .independent_days import FINISHED, Day, totals

FAULTS = {
    "writes-without-2fa": "2FA routes accept a request without a code",
    "errors-without-code": "error bodies carry only message, no error.code",
    "malformed-json-500": "a body that is not JSON crashes with 500",
    "reads-without-token": "admin GET routes answer without a token",
    "missing-schedule-field": "SETTINGS lack timezoneOffset",
    "short-timezone-list": "only 20 timezones",
    "public-status-needs-token": "/cron-status answers 401 without a token",
    "completed-slot-pays-zero": "slot 2 is COMPLETED having paid no stake (the deployed slot-2 bug)",
    "today-in-utc": "'today' is the UTC date (the deployed date bug)",
    "overdue-pending": "slot 2 is still PENDING ten minutes after its time (the no-catch-up bug)",
    # BRIEF section 11
    "relative-download-url": "the export's downloadUrl is relative to the API's origin",
    "platform-day-at-utc-midnight": "platform_day_start_utc is 00:00:00 for an Africa/Lagos schedule",
    "sign-in-without-code": "a 2FA admin signs in without a code",
    "logout-refuses-empty-body": "logout with {} as the body is a 400",
    "message-without-field": "a 400's message is only 'Validation failed', naming no field",
    **independent_days.FAULTS,
}
# Faults no single reading shows: only a watch over time does (``tests/test_watch_independent.py``).
WATCH_FAULTS = {
    "completed-slot-amounts-change": "slot 1, COMPLETED, shows twice what it paid from the second status read on",
}
REQUIRED = {
    "UTC", "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Kiritimati", "Pacific/Pago_Pago",
}  # fmt: skip
REGIONS = {"Africa": "Africa", "America": "Americas", "Europe": "Europe", "Asia": "Asia",
           "Australia": "Australia", "Pacific": "Pacific"}  # fmt: skip
ADMIN_ROLES = {"admin", "superAdmin"}
STAKES = 12  # active stakes this backend pays
STAKE_PAYOUT = 150.0
VALUES = {"rosPercentage": 2.0, "premiumPoolAmount": 200, "performancePoolAmount": 100}  # every day's declaration
ADMIN_EMAIL = "admin@independent.test"


def instant(at: datetime) -> str:
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def offset(zone: ZoneInfo, at: datetime) -> str:
    minutes = int(at.astimezone(zone).utcoffset().total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_list() -> list[str]:
    names = sorted(n for n in available_timezones() if n.split("/")[0] in REGIONS and n.count("/") == 1)
    picked = sorted(REQUIRED | set(names[::6][:60]))
    return picked


def when(day: date, h: int, m: int, s: int, zone: ZoneInfo) -> datetime:
    """Wall time on a day in a zone -> UTC (gap: the instant the clocks jumped; fold: the first)."""
    naive = datetime(day.year, day.month, day.day, h, m, s)
    for fold in (0, 1):
        at = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if at.astimezone(zone).replace(tzinfo=None) == naive:
            return at
    at = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while at.astimezone(zone).replace(tzinfo=None) < naive:
        at += timedelta(seconds=1)
    return at


class Problem(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


class Backend:
    def __init__(self, faults: set[str]) -> None:
        unknown = faults - set(FAULTS) - set(WATCH_FAULTS)
        if unknown:
            raise SystemExit(f"unknown faults {sorted(unknown)}; known: {sorted({**FAULTS, **WATCH_FAULTS})}")
        self.faults = faults
        self.key = secrets.token_hex(32)
        self.totp_secret = pyotp.random_base32(32)
        self.password = secrets.token_urlsafe(12)  # of the one admin that signs in (2FA enabled)
        self.zones = zone_list()[:20] if "short-timezone-list" in faults else zone_list()
        now = datetime.now(UTC)
        self.zone = ZoneInfo(
            "Africa/Lagos" if "platform-day-at-utc-midnight" in faults
            else "Pacific/Kiritimati" if now.hour * 60 + now.minute >= 10 * 60 + 20 else "Pacific/Pago_Pago"
        )  # fmt: skip
        local = now.astimezone(self.zone)
        first = local - timedelta(minutes=20)
        second = local + timedelta(minutes=-10 if faults & {"completed-slot-pays-zero", "overdue-pending"} else 20)
        self.schedule = {
            "timezone": self.zone.key,
            "schedules": [
                {"slotNumber": 1, "hour": first.hour, "minute": first.minute, "second": first.second, "label": "A"},
                {"slotNumber": 2, "hour": second.hour, "minute": second.minute, "second": second.second, "label": ""},
            ],
            "isEnabled": True,
            "createdAt": instant(now - timedelta(days=3)),
            "updatedAt": instant(now - timedelta(days=1)),
        }
        self.day = local.date()
        self.day_slots = [dict(s) for s in self.schedule["schedules"]]
        self.status_reads = 0  # of today's status

    # -- identities --------------------------------------------------------------------------------
    def token(self, role: str, two_fa: bool, verified: bool = True) -> str:
        now = int(time.time())
        payload = {"id": secrets.token_hex(12), "email": f"{role}@independent.test", "role": role,
                   "twoFAEnabled": two_fa, "is2FAVerified": verified, "iat": now, "exp": now + 3600}  # fmt: skip
        return jwt.encode(payload, self.key, algorithm="HS256")

    def caller(self, request: Request, *, admin_only: bool = True) -> dict | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            if request.method == "GET" and "reads-without-token" in self.faults:
                return None
            raise Problem(401, "UNAUTHORIZED", "Authentication required: send Authorization: Bearer <token>")
        try:
            user = jwt.decode(header[7:], self.key, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise Problem(401, "UNAUTHORIZED", f"Invalid token: {exc}") from None
        if admin_only and user.get("role") not in ADMIN_ROLES:
            raise Problem(403, "FORBIDDEN", f"Role {user.get('role')} may not use this route")
        return user

    def two_factor(self, request: Request, user: dict | None, body) -> None:
        if "writes-without-2fa" in self.faults or not user or not user.get("twoFAEnabled"):
            return
        if isinstance(body, dict) and "twoFACode" in body and not isinstance(body["twoFACode"], str):
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["twoFACode: must be a string"])
        code = request.headers.get("x-2fa-code") or request.query_params.get("twoFACode")
        if not code and isinstance(body, dict):
            code = body.get("twoFACode")
        if not code:
            raise Problem(403, "2FA_CODE_REQUIRED", "A two-factor code is required")
        if not pyotp.TOTP(self.totp_secret).verify(str(code), valid_window=2):
            raise Problem(403, "2FA_CODE_INVALID", "The two-factor code is wrong or expired")

    def sign_in(self, body) -> JSONResponse:
        """``POST /api/v1/admin/login``: the one admin, 2FA enabled: its password, then its code (BRIEF §0, §10)."""
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("identifier", "password")):
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["identifier, password: required strings"])
        if body["identifier"] not in (ADMIN_EMAIL, "admin") or not secrets.compare_digest(
            body["password"], self.password
        ):
            raise Problem(401, "UNAUTHORIZED", "Wrong identifier or password")
        code = body.get("twoFACode")
        if not code and "sign-in-without-code" not in self.faults:
            raise Problem(403, "2FA_CODE_REQUIRED", "Enter the code of your authenticator app")
        if code and not pyotp.TOTP(self.totp_secret).verify(str(code), valid_window=2):
            raise Problem(401, "UNAUTHORIZED", "The two-factor code is wrong or expired")
        user = {"_id": "6a0b0c0d0e0f10111213aaaa", "email": ADMIN_EMAIL, "username": "admin", "role": "admin",
                "twoFAEnabled": True, "isActive": True, "emailVerified": True}  # fmt: skip
        return ok({"user": user, "token": self.token("admin", True, verified=bool(code))})

    # -- views -------------------------------------------------------------------------------------
    def tz(self, name: str, now: datetime) -> dict:
        zone = ZoneInfo(name)
        off = offset(zone, now)
        label = f"{name} (UTC{off})"
        region = "UTC" if name == "UTC" else REGIONS[name.split("/")[0]]
        return {"value": name, "label": label, "offset": off, "region": region, "name": name, "displayName": label}

    def next_runs(self, now: datetime) -> list[dict]:
        if not self.schedule["isEnabled"]:
            return []
        zone = ZoneInfo(self.schedule["timezone"])
        runs = []
        for slot in self.schedule["schedules"]:
            day = now.astimezone(zone).date() - timedelta(days=1)
            while (at := when(day, slot["hour"], slot["minute"], slot["second"], zone)) <= now:
                day += timedelta(days=1)
            runs.append((at, slot))
        return [{"slotNumber": s["slotNumber"], "scheduledFor": instant(at), "label": s["label"]}
                for at, s in sorted(runs, key=lambda r: (r[0], r[1]["slotNumber"]))]  # fmt: skip

    def settings(self) -> dict:
        now = datetime.now(UTC)
        view = {
            "_id": "6a0b0c0d0e0f101112131415",
            "settingType": "daily_distribution",
            "timezone": self.schedule["timezone"],
            "timezoneOffset": offset(ZoneInfo(self.schedule["timezone"]), now),
            "numberOfSlots": len(self.schedule["schedules"]),
            "schedules": self.schedule["schedules"],
            "isEnabled": self.schedule["isEnabled"],
            "nextExecutions": self.next_runs(now),
            "createdAt": self.schedule["createdAt"],
            "updatedAt": self.schedule["updatedAt"],
        }
        if "missing-schedule-field" in self.faults:
            del view["timezoneOffset"]
        return view

    def slot(
        self, slot: dict, day: date, state: str, paid: int = STAKES, error: str | None = None, times: int = 1
    ) -> dict:
        """One slot of ``day`` as today's status shows it: a COMPLETED or FAILED slot with what it paid."""
        at = when(day, slot["hour"], slot["minute"], slot["second"], self.zone)
        pools = 0 if state == "FAILED" else 1
        details = {
            "executedAt": instant(at), "executionTimeMs": 7,
            "rosStats": {"processedStakes": paid, "totalDistributed": paid * STAKE_PAYOUT * times},
            "premiumPoolStats": {"usersReceived": 2 * pools, "totalDistributed": 100.0 * pools},
            "performancePoolStats": {"usersReceived": 3 * pools, "totalDistributed": 50.0 * pools},
            "error": error,
        }  # fmt: skip
        return {
            "slotNumber": slot["slotNumber"], "rosPercentage": 1.0, "scheduledFor": instant(at),
            "scheduledTime": f"{slot['hour']:02d}:{slot['minute']:02d}:{slot['second']:02d}",
            "label": slot["label"], "status": state, "executionDetails": details if state in FINISHED else None,
        }  # fmt: skip

    def today(self) -> Day:
        """Today: slot 1 COMPLETED twenty minutes ago, slot 2 PENDING (in twenty minutes)."""
        now = datetime.now(UTC)
        slots = []
        for index, slot in enumerate(self.day_slots):
            at = when(self.day, slot["hour"], slot["minute"], slot["second"], self.zone)
            done = at <= now and not (index == 1 and "overdue-pending" in self.faults)
            paid = 0 if index == 1 and "completed-slot-pays-zero" in self.faults else STAKES
            rewritten = index == 0 and self.status_reads > 1 and "completed-slot-amounts-change" in self.faults
            state = "COMPLETED" if done else "PENDING"
            slots.append(self.slot(slot, self.day, state, paid, times=2 if rewritten else 1))
        return self.day_of(self.day, slots)

    def day_of(self, day: date, slots: list[dict]) -> Day:
        queued = instant(when(day, 0, 5, 0, self.zone))
        return Day(day.isoformat(), slots, VALUES, queued, users=STAKES, pool_recipients=5)

    def days(self) -> list[Day]:
        """Today, and the two days before it: yesterday COMPLETED, the day before FAILED (its slot 2)."""
        first, second = self.day_slots
        yesterday, before = self.day - timedelta(days=1), self.day - timedelta(days=2)
        whole = [self.slot(first, yesterday, "COMPLETED"), self.slot(second, yesterday, "COMPLETED")]
        failed = [self.slot(first, before, "COMPLETED"), self.slot(second, before, "FAILED", 0, "Wallet unavailable")]
        return [self.today(), self.day_of(yesterday, whole), self.day_of(before, failed)]

    def status(self) -> dict:
        now = datetime.now(UTC)
        self.status_reads += 1
        day = self.today()
        slots = day.slots
        finished = [s for s in slots if s["executionDetails"]]
        pending = [s for s in slots if s["status"] == "PENDING"]
        last = finished[-1] if finished else None
        return {
            "today": (now.date() if "today-in-utc" in self.faults else self.day).isoformat(),
            "status": day.status,
            "scheduledFor": (pending[0] if pending else slots[-1])["scheduledFor"],
            "values": {**VALUES, "description": ""},
            "multiSlotEnabled": True,
            "distributionSlots": slots,
            "lastExecution": {"status": last["status"], **last["executionDetails"]} if last else None,
            "distributionTotals": totals(day, STAKES * STAKE_PAYOUT, STAKES, self.faults),
        }

    # -- validation --------------------------------------------------------------------------------
    def zone_of(self, value) -> str | None:
        if not isinstance(value, str):
            return None
        name = value.split(" (")[0].strip()
        return name if name in self.zones else None

    def check_schedule(self, body) -> dict:
        if not isinstance(body, dict):
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["body: must be a JSON object"])
        errors = []
        zone = self.zone_of(body.get("timezone"))
        if zone is None:
            errors.append(f"timezone: {body.get('timezone')!r} is not one of the supported zones")
        count, entries = body.get("numberOfSlots"), body.get("schedules")
        if type(count) is not int or not 1 <= count <= 10:
            errors.append("numberOfSlots: must be an integer from 1 to 10")
        if not isinstance(entries, list):
            errors.append("schedules: required, a list of slots")
            entries = []
        elif type(count) is int and len(entries) != count:
            errors.append(f"numberOfSlots: {count} does not match the {len(entries)} schedules given")
        limits = {"hour": 23, "minute": 59, "second": 59}
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                errors.append(f"schedules[{i}]: must be an object")
                continue
            for field in ("slotNumber", *limits):
                value = entry.get(field)
                top = limits.get(field, 10)
                bottom = 1 if field == "slotNumber" else 0
                if type(value) is not int or not bottom <= value <= top:
                    errors.append(f"schedules[{i}].{field}: must be an integer from {bottom} to {top}")
            if len(str(entry.get("label", ""))) > 50:
                errors.append(f"schedules[{i}].label: at most 50 characters")
        if not errors:
            numbers = [e["slotNumber"] for e in entries]
            if sorted(numbers) != list(range(1, len(entries) + 1)):
                errors.append(f"schedules[].slotNumber: must be 1..{len(entries)} once each, got {numbers}")
            times = [(e["hour"], e["minute"], e["second"]) for e in entries]
            if len(set(times)) != len(times):
                errors.append("schedules: two slots share a time")
        if errors:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", errors)
        return {"timezone": zone, "schedules": sorted(
            ({k: e[k] for k in ("slotNumber", "hour", "minute", "second")} | {"label": str(e.get("label", ""))}
             for e in entries), key=lambda e: e["slotNumber"])}  # fmt: skip


def envelope(backend: Backend, problem: Problem) -> JSONResponse:
    message = problem.message
    if problem.errors and "message-without-field" not in backend.faults:  # all the app shows (BRIEF §11)
        more = len(problem.errors) - 1
        message = f"{message}: {problem.errors[0]}" + (f" (and {more} more)" if more else "")
    body: dict = {"success": False, "message": message}
    if "errors-without-code" not in backend.faults:
        body["error"] = {"code": problem.code, "message": message}
    if problem.errors:
        body["errors"] = problem.errors
    return JSONResponse(body, status_code=problem.status)


def ok(data, status: int = 200, message: str | None = None) -> JSONResponse:
    body = {"success": True, "data": data}
    if message:
        body["message"] = message
    return JSONResponse(body, status_code=status)


class Body:
    """A request body read the deployed backend's way: JSON parsed first (INVALID_JSON before
    anything else); a non-JSON content type refused only after authentication and 2FA (415)."""

    def __init__(self, value, media_ok: bool) -> None:
        self.value, self.media_ok = value, media_ok

    def json(self):
        if not self.media_ok:
            raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json")
        return self.value


async def read_body(backend: Backend, request: Request) -> Body | Response:
    raw = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if not raw:
        return Body(None, True)
    if kind != "application/json":
        return Body(None, False)
    try:
        return Body(json.loads(raw), True)
    except ValueError:
        if "malformed-json-500" in backend.faults:
            return JSONResponse({"oops": "Internal Server Error"}, status_code=500)
        raise Problem(400, "INVALID_JSON", "The body is not valid JSON") from None


def write(backend: Backend, handler):
    """Parse, authenticate, check the role and the 2FA code, then hand the JSON body to ``handler``."""

    async def run(request: Request):
        body = await read_body(backend, request)
        if isinstance(body, Response):
            return body
        user = backend.caller(request)
        backend.two_factor(request, user, body.value)
        return handler(body.json())

    return run


def build(backend: Backend) -> Starlette:
    def guard(handler):
        async def run(request: Request):
            try:
                return await handler(request)
            except Problem as problem:
                return envelope(backend, problem)

        return run

    async def cron_status(request: Request):
        if "public-status-needs-token" in backend.faults and "authorization" not in request.headers:
            raise Problem(401, "UNAUTHORIZED", "Authentication required")
        now = datetime.now(UTC)
        settings = backend.settings()
        zone = ZoneInfo(settings["timezone"])
        body = {
            "status": "active" if settings["isEnabled"] else "inactive", "mode": "dynamic",
            "timezone": f"{zone.key} (UTC{offset(zone, now)})", "numberOfSlots": settings["numberOfSlots"],
            "isEnabled": settings["isEnabled"],
            "schedules": [{"slotNumber": s["slotNumber"], "label": s["label"],
                           "scheduledTime": f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}"}
                          for s in settings["schedules"]],
            "lastUpdate": settings["updatedAt"], "message": "Distribution cron is active",
        }  # fmt: skip
        if settings["nextExecutions"]:
            first = settings["nextExecutions"][0]
            body["nextExecution"] = {
                "slot": first["slotNumber"],
                "time": first["scheduledFor"],
                "label": first["label"],
            }
        return JSONResponse(body)

    async def timezones(request: Request):
        backend.caller(request)
        now = datetime.now(UTC)
        zones = [backend.tz(name, now) for name in backend.zones]
        grouped = {}
        for tz in zones:
            grouped.setdefault(tz["region"], []).append(tz)
        data = {"timezones": zones, "grouped": [{"region": r, "timezones": z} for r, z in grouped.items()],
                "total": len(zones)}  # fmt: skip
        return ok(data)

    def save_schedule(body):
        saved = backend.check_schedule(body)
        backend.schedule.update(saved, updatedAt=instant(datetime.now(UTC)))
        return ok(backend.settings(), message="Distribution schedule updated successfully. Cron jobs restarted.")

    put_schedule = write(backend, save_schedule)

    async def schedule(request: Request):
        if request.method == "PUT":
            return await put_schedule(request)
        backend.caller(request)
        return ok(backend.settings())

    def set_enabled(body):
        if not isinstance(body, dict) or type(body.get("isEnabled")) is not bool:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["isEnabled: required, a boolean"])
        backend.schedule.update(isEnabled=body["isEnabled"], updatedAt=instant(datetime.now(UTC)))
        return ok(backend.settings(), message="Cron job toggled")

    toggle = write(backend, set_enabled)

    def refuse_distribution(body):
        raise Problem(
            400, "VALIDATION_ERROR", "Validation failed", ["body: this backend accepts no distribution writes"]
        )

    declaration_write = write(backend, refuse_distribution)

    async def today(request: Request):
        backend.caller(request)
        return ok(backend.status())

    async def preview(request: Request):
        backend.caller(request)
        query = request.query_params
        errors = []
        zone = backend.zone_of(query.get("timezone", backend.schedule["timezone"]))
        if zone is None:
            errors.append(f"timezone: {query.get('timezone')!r} is not a supported zone")
        try:
            entries = json.loads(query["slots"]) if "slots" in query else [
                {"time": f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}", "label": s["label"]}
                for s in backend.schedule["schedules"]]  # fmt: skip
            if not isinstance(entries, list):
                raise ValueError
        except ValueError:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["slots: must be a JSON list"]) from None
        times = []
        for i, entry in enumerate(entries):
            text = entry.get("time") if isinstance(entry, dict) else None
            match = re.fullmatch(r"(\d{2}):(\d{2})(?::(\d{2}))?", text or "")
            if not match or int(match[1]) > 23 or int(match[2]) > 59 or int(match[3] or 0) > 59:
                errors.append(f"slots[{i}].time: {text!r} is not HH:MM:SS")
                continue
            times.append((i + 1, int(match[1]), int(match[2]), int(match[3] or 0), str(entry.get("label", ""))))
        if errors:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", errors)
        now = datetime.now(UTC)
        tz = ZoneInfo(zone)
        runs = []
        day = now.astimezone(tz).date()
        for offset_days in range(0, 7):
            for number, h, m, s, label in times:
                at = when(day + timedelta(days=offset_days), h, m, s, tz)
                if at > now:
                    runs.append((at, number, h, m, s, label))
        runs.sort()
        data = {"currentTime": instant(now), "timezone": zone, "nextExecutions": [
            {"slotNumber": n, "slotTime": f"{h:02d}:{m:02d}:{s:02d}", "label": label, "nextRun": instant(at),
             "localTime": at.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S") + offset(tz, at),
             "timeUntil": f"{int((at - now).total_seconds() // 60)} minutes"}
            for at, n, h, m, s, label in runs[:5]]}  # fmt: skip
        return ok(data)

    async def my_permissions(request: Request):
        user = backend.caller(request, admin_only=False) or {"role": "admin"}
        if user.get("role") == "investor":
            raise Problem(403, "FORBIDDEN", "Not an administrator")
        granted = ["financial.declare", "analytics.view"] if user.get("role") in ADMIN_ROLES else []
        return ok({"permissions": granted, "role": user.get("role")})

    async def permissions(request: Request):
        user = backend.caller(request) or {"role": "superAdmin"}
        if user.get("role") not in ADMIN_ROLES:  # BRIEF §10: admins read it too
            raise Problem(403, "FORBIDDEN", "Only admins read the permission catalogue")
        return ok([])

    async def config(request: Request):
        query = request.query_params
        if query.get("format", "flat") not in ("flat", "nested") or query.get("includeTooltips", "false") not in (
            "true", "false"
        ):  # fmt: skip
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["format: flat or nested"])
        return ok({"platform.name": "Independent", "platform.currency": "USDT"})

    async def platform_day(request: Request):
        key = request.path_params["key"]
        if key != "platform_day_start_utc":
            raise Problem(404, "NOT_FOUND", f"No public setting {key}")
        zone = ZoneInfo(backend.schedule["timezone"])  # the saved schedule's zone, at the start of today there
        local_midnight = when(datetime.now(UTC).astimezone(zone).date(), 0, 0, 0, zone)
        value = "00:00:00" if "platform-day-at-utc-midnight" in backend.faults else local_midnight.strftime("%H:%M:%S")
        return ok({"key": key, "value": value})

    def filtered(query) -> list[dict]:
        errors = []
        for name in ("startDate", "endDate"):
            if name in query:
                try:
                    date.fromisoformat(query[name])
                    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", query[name]):
                        raise ValueError
                except ValueError:
                    errors.append(f"{name}: {query[name]!r} is not a date YYYY-MM-DD")
        if query.get("status", "COMPLETED") not in FINISHED:
            errors.append(f"status: {query['status']!r} is not COMPLETED or FAILED (a finished day's status)")
        if not errors and query.get("startDate", "") > query.get("endDate", "9999"):
            errors.append("startDate: after endDate")
        if errors:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", errors)
        return [r for r in independent_days.history(backend.days(), backend.faults)
                if query.get("startDate", "") <= r["date"] <= query.get("endDate", "9999")
                and query.get("status", r["status"]) == r["status"]]  # fmt: skip

    def number(query, name: str, default: int, top: int) -> int:
        text = query.get(name, str(default))
        if not re.fullmatch(r"\d{1,6}", text) or not 1 <= int(text) <= top:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", [f"{name}: an integer from 1 to {top}"])
        return int(text)

    async def history(request: Request):
        backend.caller(request)
        query = request.query_params
        page, limit = number(query, "page", 1, 100000), number(query, "limit", 20, 100)
        found = filtered(query)
        return ok({"records": found[(page - 1) * limit : page * limit],
                   "pagination": {"page": page, "limit": limit, "total": len(found),
                                  "pages": -(-len(found) // limit)}})  # fmt: skip

    exports: dict[str, str] = {}

    async def export(request: Request):
        backend.caller(request)
        if request.query_params.get("format", "csv") not in ("csv", "pdf"):
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["format: csv or pdf"])
        if request.query_params.get("format", "csv") == "pdf":
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["format: pdf is not offered; use csv"])
        name = secrets.token_hex(8)
        exports[name] = independent_days.csv_text(filtered(request.query_params))
        link = f"/downloads/{name}.csv"  # absolute, on the origin asked (BRIEF §11), unless a fault
        return ok(
            {"downloadUrl": link if "relative-download-url" in backend.faults else f"{request.base_url}{link[1:]}"}
        )

    async def download(request: Request):
        text = exports.get(request.path_params["name"])
        if text is None:
            raise Problem(404, "NOT_FOUND", "No such export")
        return Response(text, media_type="text/csv")

    async def details(request: Request):
        backend.caller(request)
        day = request.path_params["day"]
        found = next((d for d in backend.days() if d.date == day), None)  # open days too, by URL
        if found is None:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["date: YYYY-MM-DD"])
            raise Problem(404, "NOT_FOUND", f"Nothing was distributed on {day}")
        return ok(independent_days.details(found, backend.faults))

    async def qualifiers(request: Request):
        backend.caller(request)
        pool = {"totalQualifiers": 5, "byRank": {"Wealth Architect": 2, "Finance Titan": 3}, "description": "top"}
        return ok({"performancePool": pool, "premiumPool": pool, "note": "counted from active stakes"})

    async def login(request: Request):
        body = await read_body(backend, request)
        if isinstance(body, Response):
            return body
        return backend.sign_in(body.json())

    async def logout(request: Request):
        body = await read_body(backend, request)
        if isinstance(body, Response):
            return body
        backend.caller(request, admin_only=False)
        if body.json() is not None and "logout-refuses-empty-body" in backend.faults:
            raise Problem(400, "VALIDATION_ERROR", "Validation failed", ["body: logout takes no body"])
        return JSONResponse({"success": True, "message": "Signed out"})

    admin = "/api/v1/admin"
    routes = [
        Route(f"{admin}/login", guard(login), methods=["POST"]),
        Route(f"{admin}/logout", guard(logout), methods=["POST"]),
        Route("/cron-status", guard(cron_status), methods=["GET"]),
        Route("/api/v1/cron-status", guard(cron_status), methods=["GET"]),
        Route(f"{admin}/cron-settings/timezones", guard(timezones), methods=["GET"]),
        Route(f"{admin}/cron-settings/distribution-schedule", guard(schedule), methods=["GET", "PUT"]),
        Route(f"{admin}/cron-settings/distribution-schedule/toggle", guard(toggle), methods=["PATCH"]),
        Route(f"{admin}/cron-settings/distribution-schedule/preview", guard(preview), methods=["GET"]),
        Route(f"{admin}/daily-declaration-returns/today/queue", guard(declaration_write), methods=["POST"]),
        Route(f"{admin}/daily-declaration-returns/today/modify", guard(declaration_write), methods=["PATCH"]),
        Route(f"{admin}/daily-declaration-returns/today/cancel", guard(declaration_write), methods=["DELETE"]),
        Route(f"{admin}/daily-declaration-returns/today/status", guard(today), methods=["GET"]),
        Route("/api/v1/rbac/my-permissions", guard(my_permissions), methods=["GET"]),
        Route("/api/v1/rbac/permissions", guard(permissions), methods=["GET"]),
        Route("/config", guard(config), methods=["GET"]),
        Route(f"{admin}/pool/qualifiers", guard(qualifiers), methods=["GET"]),
        # BRIEF section 10
        Route("/api/v1/config", guard(config), methods=["GET"]),
        Route("/settings/public/{key}", guard(platform_day), methods=["GET"]),
        Route("/api/v1/settings/public/{key}", guard(platform_day), methods=["GET"]),
        Route(f"{admin}/daily-declaration-returns/history", guard(history), methods=["GET"]),
        Route(f"{admin}/daily-declaration-returns/history/export", guard(export), methods=["GET"]),
        Route("/downloads/{name}.csv", guard(download), methods=["GET"]),
        Route(f"{admin}/daily-declaration-returns/{{day}}/details", guard(details), methods=["GET"]),
        Route(f"{admin}/daily-declaration-returns/today/force-reset", guard(declaration_write), methods=["POST"]),
    ]
    app = Starlette(routes=routes)

    async def not_found(request: Request, exc):
        return envelope(backend, Problem(404, "NOT_FOUND", f"No route for {request.method} {request.url.path}"))

    async def not_allowed(request: Request, exc):
        response = envelope(backend, Problem(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here"))
        response.headers["Allow"] = exc.headers.get("Allow", "") if getattr(exc, "headers", None) else "GET"
        return response

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(405, not_allowed)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--fault", action="append", default=[], choices=sorted({**FAULTS, **WATCH_FAULTS}))
    args = parser.parse_args()
    backend = Backend(set(args.fault))
    print(f"token={backend.token('admin', True)}", flush=True)
    print(f"support={backend.token('support_agent', False)}", flush=True)
    print(f"secret={backend.totp_secret}", flush=True)
    print(f"identifier={ADMIN_EMAIL}", flush=True)
    print(f"password={backend.password}", flush=True)
    uvicorn.run(build(backend), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
