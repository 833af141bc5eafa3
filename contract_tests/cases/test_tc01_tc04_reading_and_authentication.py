"""TC01-TC04: the public status, timezones, the current schedule, authentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    ADMIN_ROUTES,
    CRON_STATUS,
    DOUBLY_INVALID,
    MOCK_ONLY_ROUTES,
    SCHEDULE,
    TIMEZONES,
    cron_status,
    local_wall,
    now_of,
    zone_of_label,
)
from ..oracle import next_runs, offset_text, parse_instant, wire_instant
from ..target import forged_token

REQUIRED_ZONES = {
    "UTC", "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London",
    "Europe/Paris", "Europe/Berlin", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland",
}  # fmt: skip
PRIVATE_WORDS = ("token", "password", "secret", "amount", "email", "totp")


@pytest.mark.live_read
def test_tc01_public_status_shape_and_next_execution(api):
    rule = "BRIEF §5: /cron-status is public, unenveloped, and its nextExecution follows the schedule"
    exchange = api.request("GET", CRON_STATUS)
    found = expect(exchange, 200, rule)
    if found["numberOfSlots"] != len(found["schedules"]):
        fail(exchange, "numberOfSlots equal to the number of schedules", rule)
    if found["isEnabled"] != (found["status"] == "active"):
        fail(exchange, "status 'active' exactly when isEnabled", rule)
    if not found["isEnabled"]:
        if "nextExecution" in found:
            fail(exchange, "no nextExecution while disabled", rule)
        return
    nxt = found.get("nextExecution")
    if nxt is None:
        fail(exchange, "a nextExecution while enabled", rule)
    by_slot = {entry["slotNumber"]: entry for entry in found["schedules"]}
    zone = zone_of_label(found["timezone"])
    if nxt["slot"] not in by_slot:
        fail(exchange, f"nextExecution.slot among the schedules' slots {sorted(by_slot)}", rule)
    if parse_instant(nxt["time"]) <= now_of(api) and api.is_mock:
        fail(exchange, "nextExecution.time strictly after now", rule)
    wall = local_wall(nxt["time"], zone)
    if wall != by_slot[nxt["slot"]]["scheduledTime"]:
        fail(
            exchange,
            f"nextExecution.time at the slot's local time {by_slot[nxt['slot']]['scheduledTime']} in {zone}",
            rule,
        )
    lowered = exchange.text.lower()
    leaked = [word for word in PRIVATE_WORDS if f'"{word}' in lowered]
    if leaked:
        fail(exchange, f"nothing private (found fields about {leaked})", rule)


@pytest.mark.mock
def test_tc01_public_status_also_under_api_prefix(api):
    rule = "BRIEF §5: served at /cron-status and /api/v1/cron-status (the client's base URL may end in /api/v1)"
    exchange = api.request("GET", "/api/v1/cron-status")
    check(exchange, expect(exchange, 200, rule) == cron_status(api), "the same body as /cron-status", rule)


@pytest.mark.live_read
def test_tc02_timezones_list_grouping_and_offsets(api, admin):
    rule = "BRIEF §1: 60+ zones with value/label/offset/region/name/displayName, grouped once each, offsets for now"
    exchange = api.request("GET", TIMEZONES, headers=api.auth())
    data = expect(exchange, 200, rule)["data"]
    now = now_of(api)
    names = [tz["value"] for tz in data["timezones"]]
    if len(names) < 60 or data["total"] != len(names):
        fail(
            exchange,
            f"at least 60 zones and total equal to their number (got {len(names)}, total {data['total']})",
            rule,
        )
    missing = REQUIRED_ZONES - set(names)
    if missing:
        fail(exchange, f"the zones the brief names, including {sorted(missing)}", rule)
    grouped = [tz["value"] for group in data["grouped"] for tz in group["timezones"]]
    if sorted(grouped) != sorted(names):
        fail(exchange, "grouped covering every zone exactly once", rule)
    for tz in data["timezones"]:
        expected = offset_text(ZoneInfo(tz["value"]), now)
        if tz["offset"] != expected or tz["label"] != f"{tz['value']} (UTC{expected})":
            fail(
                exchange,
                f"{tz['value']} at offset {expected} now (label '{tz['value']} (UTC{expected})'), got {tz}",
                rule,
            )
        if tz["name"] != tz["value"] or tz["displayName"] != tz["label"]:
            fail(exchange, f"name/displayName equal to value/label for {tz['value']}", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    ("instant", "zone", "offset"),
    [
        ("2026-01-15T12:00:00.000Z", "America/New_York", "-05:00"),
        ("2026-07-15T12:00:00.000Z", "America/New_York", "-04:00"),
        ("2026-07-15T12:00:00.000Z", "Asia/Kolkata", "+05:30"),
        ("2026-01-15T12:00:00.000Z", "Australia/Sydney", "+11:00"),
    ],
)
def test_tc02_offsets_follow_dst(api, mock, instant, zone, offset):
    mock.reset(instant)
    exchange = api.request("GET", TIMEZONES, headers=api.auth())
    data = expect(exchange, 200, "BRIEF §1")["data"]
    entry = next(tz for tz in data["timezones"] if tz["value"] == zone)
    if entry["offset"] != offset:
        fail(
            exchange,
            f"{zone} at {offset} on {instant[:10]}",
            "BRIEF §1: the offset is computed for the current instant",
        )


@pytest.mark.live_read
def test_tc03_current_schedule_and_next_executions(api, admin):
    rule = "BRIEF §2: SETTINGS with slots sorted and each slot's next occurrence after now, in the schedule's zone"
    before = now_of(api)
    exchange = api.request("GET", SCHEDULE, headers=api.auth())
    after = now_of(api)
    data = expect(exchange, 200, rule)["data"]
    numbers = [entry["slotNumber"] for entry in data["schedules"]]
    if numbers != list(range(1, len(numbers) + 1)) or data["numberOfSlots"] != len(numbers):
        fail(exchange, "schedules sorted 1..N with numberOfSlots N", rule)
    if not data["isEnabled"]:
        if data["nextExecutions"]:
            fail(exchange, "no nextExecutions while disabled", rule)
        return
    zone = ZoneInfo(data["timezone"])
    got = [(entry["slotNumber"], entry["scheduledFor"]) for entry in data["nextExecutions"]]
    # A live backend read "now" somewhere between our two readings of the clock.
    allowed = [next_runs(data["schedules"], zone, at) for at in (before, after - timedelta(seconds=1), after)]
    if got not in allowed:
        fail(exchange, f"nextExecutions {allowed[0]} (each slot's next run strictly after now, in time order)", rule)


@pytest.mark.mock
def test_tc03_a_slot_due_this_instant_is_next_tomorrow(api, mock):
    rule = "BRIEF §2: nextExecutions holds each slot's next occurrence strictly after now"
    data = expect(api.request("GET", SCHEDULE, headers=api.auth()), 200, rule)["data"]
    first = parse_instant(data["nextExecutions"][0]["scheduledFor"])
    mock.advance(until=wire_instant(first))
    exchange = api.request("GET", SCHEDULE, headers=api.auth())
    again = expect(exchange, 200, rule)["data"]
    expected = next_runs(again["schedules"], ZoneInfo(again["timezone"]), first)
    got = [(entry["slotNumber"], entry["scheduledFor"]) for entry in again["nextExecutions"]]
    check(exchange, got == expected, f"at {wire_instant(first)} exactly, nextExecutions {expected}", rule)
    public = cron_status(api)
    check(api, public["nextExecution"]["time"] == expected[0][1], f"nextExecution.time {expected[0][1]}", rule)


def _bad_tokens(api) -> dict[str, str]:
    return {
        "no token": "",
        "a malformed token": "Bearer not-a-jwt",
        "a token with a bad signature": f"Bearer {forged_token()}",
        "an expired token": f"Bearer {api.expired_token()}",
    }


@pytest.mark.live_read
@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES, ids=[f"{m} {p.rsplit('/', 2)[-1]}" for m, p in ADMIN_ROUTES])
def test_tc04_admin_routes_refuse_missing_or_bad_tokens(api, method, path):
    rule = "BRIEF §0: no token, malformed, badly signed or expired -> 401 UNAUTHORIZED in the error envelope"
    if (method, path) in MOCK_ONLY_ROUTES and not api.is_mock:
        pytest.skip("not provably harmless against a live backend that ignored authentication")
    payload = DOUBLY_INVALID.get((method, path))
    for _what, header in _bad_tokens(api).items():
        headers = {"Authorization": header} if header else {}
        exchange = api.request(method, path, headers=headers, json=payload)
        expect(exchange, 401, rule, code="UNAUTHORIZED")


@pytest.mark.live_read
def test_tc04_public_status_needs_no_token(api):
    expect(api.request("GET", CRON_STATUS, headers={"Authorization": "Bearer not-a-jwt"}), 200, "BRIEF §5: public")


def test_tc04_now_is_not_the_wall_clock_in_the_mock(api):
    """Guard for the suite itself: the in-process mock starts on its own clock, not the machine's."""
    if api.is_mock:
        now = api.control.now()
        check(None, now < datetime(2026, 3, 1, tzinfo=UTC), "the mock's clock at the suite's start", f"now {now}")
