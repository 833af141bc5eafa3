"""The HTTP side of the independent backend (``tests/proof/independent_backend.py``): its routes on bare
Starlette, its one error envelope and its JSON bodies, written from BRIEF.md alone like the rest."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import independent_days
from .independent_backend import ADMIN_ROLES, Backend, Problem, instant, offset, ok, when
from .independent_days import FINISHED


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
