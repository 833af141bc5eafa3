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
``tests/proof/independent_days.py``.

Run: ``python -m tests.proof.independent_backend --port 5077 [--fault NAME ...]``; it prints
``token=...``, ``support=...``, ``secret=...``, ``identifier=...`` and ``password=...`` on its first lines.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import jwt
import pyotp
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse

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
# Faults no single reading shows: only a watch over time does (``tests/proof/test_watch_independent.py``).
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


def ok(data, status: int = 200, message: str | None = None) -> JSONResponse:
    body = {"success": True, "data": data}
    if message:
        body["message"] = message
    return JSONResponse(body, status_code=status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5077)
    parser.add_argument("--fault", action="append", default=[], choices=sorted({**FAULTS, **WATCH_FAULTS}))
    args = parser.parse_args()
    # Run as ``python -m``, this file is ``__main__``; the routes import it as ``tests.independent_backend``:
    # one module, so that their ``except Problem`` catches what the backend raises.
    from . import independent_backend as module
    from .independent_routes import build

    backend = module.Backend(set(args.fault))
    print(f"token={backend.token('admin', True)}", flush=True)
    print(f"support={backend.token('support_agent', False)}", flush=True)
    print(f"secret={backend.totp_secret}", flush=True)
    print(f"identifier={ADMIN_EMAIL}", flush=True)
    print(f"password={backend.password}", flush=True)
    uvicorn.run(build(backend), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    sys.exit(main())
