"""Paths, request bodies and small steps the cases share."""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import httpx

from .contract import expect, fail
from .oracle import money, wall_clock
from .target import Target

TIMEZONES = "/api/v1/admin/cron-settings/timezones"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
TOGGLE = f"{SCHEDULE}/toggle"
CRON_STATUS = "/cron-status"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
LOGIN = "/api/v1/admin/login"
LOGOUT = "/api/v1/admin/logout"

PREVIEW = f"{SCHEDULE}/preview"
QUALIFIERS = "/api/v1/admin/pool/qualifiers"
MODIFY = "/api/v1/admin/daily-declaration-returns/today/modify"
CANCEL = "/api/v1/admin/daily-declaration-returns/today/cancel"
# BRIEF section 10: today's admin app
DECLARATIONS = "/api/v1/admin/daily-declaration-returns"
FORCE_RESET = f"{DECLARATIONS}/today/force-reset"
HISTORY = f"{DECLARATIONS}/history"
EXPORT = f"{HISTORY}/export"
PLATFORM_DAY = "/settings/public/platform_day_start_utc"
PERMISSIONS = "/api/v1/rbac/permissions"
MY_PERMISSIONS = "/api/v1/rbac/my-permissions"


def details_path(day: str) -> str:
    return f"{DECLARATIONS}/{day}/details"


ADMIN_ROUTES = [
    ("GET", TIMEZONES),
    ("GET", SCHEDULE),
    ("PUT", SCHEDULE),
    ("PATCH", TOGGLE),
    ("POST", QUEUE),
    ("GET", STATUS),
    # BRIEF section 8
    ("GET", PREVIEW),
    ("GET", QUALIFIERS),
    ("PATCH", MODIFY),
    ("DELETE", CANCEL),
    # BRIEF section 10
    ("GET", HISTORY),
    ("GET", EXPORT),
    ("GET", details_path("2026-02-12")),
    ("POST", FORCE_RESET),
]
# Not provably harmless against a live backend that ignores auth: sent to the mock only.
MOCK_ONLY_ROUTES = {("DELETE", CANCEL), ("POST", FORCE_RESET)}
TWO_FA_ROUTES = [("PUT", SCHEDULE), ("PATCH", TOGGLE), ("POST", QUEUE)]

THREE_SLOTS = {
    "timezone": "Africa/Lagos",
    "numberOfSlots": 3,
    "schedules": [
        {"slotNumber": 1, "hour": 9, "minute": 0, "second": 0, "label": "Morning"},
        {"slotNumber": 2, "hour": 15, "minute": 0, "second": 0, "label": "Afternoon"},
        {"slotNumber": 3, "hour": 21, "minute": 0, "second": 0, "label": "Evening"},
    ],
}
MULTI_QUEUE = {
    "multiSlotEnabled": True,
    "distributionSlots": [
        {"slotNumber": 1, "rosPercentage": 1.5},
        {"slotNumber": 2, "rosPercentage": 2.0},
        {"slotNumber": 3, "rosPercentage": 1.0},
    ],
    "rosPercentage": 4.5,
    "premiumPoolAmount": 10000,
    "performancePoolAmount": 5000,
}
LEGACY_QUEUE = {"rosPercentage": 2.5, "premiumPoolAmount": 10000, "performancePoolAmount": 5000}
# Invalid on two counts, so that a backend that skips one check still cannot accept it.
DOUBLY_INVALID = {
    ("PUT", SCHEDULE): {"timezone": "", "numberOfSlots": 0, "schedules": []},
    ("PATCH", TOGGLE): {"isEnabled": "maybe", "unexpected": []},
    ("POST", QUEUE): {"rosPercentage": -1, "premiumPoolAmount": -5, "performancePoolAmount": "x"},
    ("PATCH", MODIFY): {"distributionSlots": [{"slotNumber": 0, "rosPercentage": -1}], "premiumPoolAmount": -1},
}
VALID_BODIES = {
    ("PUT", SCHEDULE): THREE_SLOTS,
    ("PATCH", TOGGLE): {"isEnabled": False},
    ("POST", QUEUE): MULTI_QUEUE,
    ("PATCH", MODIFY): {"description": "changed"},
}


def body(template: dict, **changes) -> dict:
    """A deep copy of a template body with top-level fields changed."""
    copied = copy.deepcopy(template)
    copied.update(changes)
    return copied


def slots(*times: tuple[int, int, int], timezone: str = "Africa/Lagos") -> dict:
    """A schedule body with one slot per (hour, minute, second)."""
    return {
        "timezone": timezone,
        "numberOfSlots": len(times),
        "schedules": [
            {"slotNumber": i, "hour": h, "minute": m, "second": s} for i, (h, m, s) in enumerate(times, start=1)
        ],
    }


def multi_queue(*ros: float, premium: float = 10000, performance: float = 5000) -> dict:
    return {
        "multiSlotEnabled": True,
        "distributionSlots": [{"slotNumber": i, "rosPercentage": r} for i, r in enumerate(ros, start=1)],
        "rosPercentage": round(sum(ros), 4),
        "premiumPoolAmount": premium,
        "performancePoolAmount": performance,
    }


# -- steps ---------------------------------------------------------------------------------------
def get_schedule(api: Target, rule: str = "BRIEF §2") -> dict:
    return expect(api.request("GET", SCHEDULE, headers=api.auth()), 200, rule)["data"]


def put_schedule(api: Target, schedule: dict, rule: str = "BRIEF §3") -> dict:
    return expect(api.request("PUT", SCHEDULE, headers=api.auth(code=True), json=schedule), 200, rule)["data"]


def toggle(api: Target, enabled: bool, rule: str = "BRIEF §4") -> dict:
    return expect(api.request("PATCH", TOGGLE, headers=api.auth(code=True), json={"isEnabled": enabled}), 200, rule)[
        "data"
    ]


def cron_status(api: Target, rule: str = "BRIEF §5") -> dict:
    return expect(api.request("GET", CRON_STATUS), 200, rule)


def queue(api: Target, payload: dict, rule: str = "BRIEF §6") -> dict:
    return expect(api.request("POST", QUEUE, headers=api.auth(code=True), json=payload), 201, rule)["data"]


def on_the_mock_a_day_distributed(api: Target, *, until: str) -> None:
    """Against the mock only (each case starts it from its fixtures, with nothing distributed yet):
    today queued on the seed's three slots and the clock moved to ``until``, so that a live-read case
    has a day to read on the mock as on a live backend. Against a live backend: nothing (read-only)."""
    if api.is_mock:
        put_schedule(api, THREE_SLOTS)
        queue(api, MULTI_QUEUE)
        api.control.advance(until=until)


def on_the_mock_a_finished_day_and_an_open_one(api: Target) -> None:
    """Against the mock only: 12 Feb queued on the seed's three slots and run to its end (a day of the
    history), then 13 Feb, today, queued with its first slot run (an open day). Live: nothing."""
    if api.is_mock:
        put_schedule(api, THREE_SLOTS)
        queue(api, MULTI_QUEUE)
        api.control.advance(until="2026-02-13T07:00:00.000Z")
        queue(api, MULTI_QUEUE)
        api.control.advance(until="2026-02-13T09:00:00.000Z")  # 10:00 in Lagos: slot 1 ran, 2 and 3 wait


def status(api: Target, rule: str = "BRIEF §7") -> dict:
    return expect(api.request("GET", STATUS, headers=api.auth()), 200, rule)["data"]


def _canonical(text: str) -> str:
    """A field path in one spelling: ``schedules[1].hour``, ``schedules.1.hour`` and
    ``schedules/1/hour`` are the same field, whatever the case."""
    return re.sub(r"\[(\d+)\]", r".\1", text.lower()).replace("/", ".")


def names_field(lines: list[str], fields: str | tuple[str, ...]) -> bool:
    """Whether one of ``lines`` names one of ``fields`` (a path, in any of its usual spellings)."""
    wanted = [_canonical(f) for f in ((fields,) if isinstance(fields, str) else fields)]
    return any(field in _canonical(line) for line in lines for field in wanted)


def expect_400(
    api: Target, method: str, path: str, payload, rule: str, *, field: str | tuple[str, ...] | None = None
) -> list[str]:
    """Send an invalid body with a valid code; expect 400 VALIDATION_ERROR with an errors line naming
    ``field`` (or one of them, when the brief leaves open which of two fields a problem is about).

    Only the field is asserted, never a phrase: the brief promises one readable line per problem that
    names the field (BRIEF §0), not our wording.
    """
    exchange = api.request(method, path, headers=api.auth(code=True), json=payload)
    found = expect(exchange, 400, rule, code="VALIDATION_ERROR")
    errors = found.get("errors") or []
    if field is not None and not names_field(errors, field):
        named = field if isinstance(field, str) else " or ".join(repr(f) for f in field)
        fail(exchange, f"an errors line that names the field {named!r}", f"{rule}; BRIEF §0: one line per problem")
    return errors


def local_wall(instant: str, zone: str) -> str:
    return wall_clock(instant, zone)


def zone_of_label(label: str) -> str:
    return label.split(" (")[0].strip()


def now_of(api: Target) -> datetime:
    """Now as the target sees it: the mock's clock, or this machine's clock for a live backend."""
    if api.is_mock:
        return api.control.now()
    return datetime.now(UTC)


def settings_body(settings: dict) -> dict:
    """A PUT body that stores exactly the given SETTINGS again."""
    return {
        "timezone": settings["timezone"],
        "numberOfSlots": settings["numberOfSlots"],
        "schedules": [
            {k: entry[k] for k in ("slotNumber", "hour", "minute", "second", "label") if k in entry}
            for entry in settings["schedules"]
        ],
    }


# -- today's admin app: history, details, export (BRIEF sections 10 and 11) -----------------------------
def history(api: Target, rule: str, **params) -> dict:
    return expect(api.request("GET", HISTORY, headers=api.auth(), params=params or None), 200, rule)["data"]


def details(api: Target, day: str, rule: str) -> dict:
    return expect(api.request("GET", details_path(day), headers=api.auth()), 200, rule)["data"]


def slot_sums(day: dict) -> tuple[Decimal, Decimal]:
    """What a day's slot cards show as paid: ROS, and both pools together."""
    stats = slot_stats(day)
    return stats["ros"], stats["premium"] + stats["performance"]


def slot_stats(day: dict) -> dict[str, Decimal | int]:
    """A day's finished slots' stats summed, as the details dialog shows them: amounts paid (ros,
    premium, performance) and counts (stakes paid ROS, users paid from each pool)."""
    found: dict[str, Decimal | int] = {"ros": Decimal(0), "premium": Decimal(0), "performance": Decimal(0),
                                       "stakes": 0, "premiumUsers": 0, "performanceUsers": 0}  # fmt: skip
    for slot in day["distributionSlots"]:
        done = slot["executionDetails"] or {}
        if not done or slot["status"] not in ("COMPLETED", "FAILED"):
            continue
        found["ros"] += money(done["rosStats"]["totalDistributed"])
        found["stakes"] += done["rosStats"]["processedStakes"]
        for pool in ("premium", "performance"):
            found[pool] += money(done[f"{pool}PoolStats"]["totalDistributed"])
            found[f"{pool}Users"] += done[f"{pool}PoolStats"]["usersReceived"]
    return found


def statistics_of(found: dict) -> dict[str, Decimal | int] | None:
    """The details dialog's ``execution.statistics`` in the form of ``slot_stats`` (None: no execution)."""
    if found.get("execution") is None:
        return None
    stats = found["execution"]["statistics"]
    return {
        "ros": money(stats["ros"]["totalDistributed"]),
        "premium": money(stats["premiumPool"]["totalDistributed"]),
        "performance": money(stats["performancePool"]["totalDistributed"]),
        "stakes": stats["ros"]["processedStakes"],
        "premiumUsers": stats["premiumPool"]["usersReceived"],
        "performanceUsers": stats["performancePool"]["usersReceived"],
        "total": money(stats["totalDistributed"]),
    }


def download(api: Target, url: str) -> tuple[int, str]:
    """Fetch an export link as a browser opens it: with no token (so none ever goes to another host)."""
    link, base = urlsplit(url), urlsplit(str(api.client.base_url))
    if link.scheme and (link.scheme, link.netloc) != (base.scheme, base.netloc):
        response = httpx.get(url, timeout=30, follow_redirects=False)
        return response.status_code, response.text
    exchange = api.request("GET", link.path + (f"?{link.query}" if link.query else ""))
    return exchange.status, exchange.text


def export_link(api: Target, rule: str, **params) -> str:
    found = expect(api.request("GET", EXPORT, headers=api.auth(), params={"format": "csv", **params}), 200, rule)
    return found["data"]["downloadUrl"]


def export_rows(api: Target, rule: str, **params) -> list[dict]:
    code, text = download(api, export_link(api, rule, **params))
    if code != 200:
        fail(api, f"downloadUrl answering 200 with the CSV (it answered {code})", rule)
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and "date" not in rows[0]:
        fail(api, "a CSV whose header names a date column", rule)
    return rows
