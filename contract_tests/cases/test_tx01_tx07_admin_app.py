"""TX01-TX06: the other calls the real admin pages make (BRIEF section 8); TX07, a whole session, is
test_tx07_admin_sessions.py."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    CANCEL,
    MODIFY,
    MULTI_QUEUE,
    MY_PERMISSIONS,
    PERMISSIONS,
    PREVIEW,
    QUALIFIERS,
    THREE_SLOTS,
    expect_400,
    get_schedule,
    local_wall,
    multi_queue,
    names_field,
    put_schedule,
    queue,
    slots,
    status,
)
from ..oracle import money, parse_instant
from ..summary import skip_for

CONFIG = "/config"
FORM_SLOTS = [
    {"time": "09:00:00", "label": "Morning", "index": 0},
    {"time": "15:00:00", "label": "", "index": 1},
    {"time": "21:00", "label": "Evening", "index": 2},
]


def preview(api, timezone: str, entries, rule: str = "BRIEF §8: the schedule preview") -> dict:
    params = {"timezone": timezone, "slots": json.dumps(entries) if not isinstance(entries, str) else entries}
    return expect(api.request("GET", PREVIEW, headers=api.auth(), params=params), 200, rule)["data"]


@pytest.mark.live_read
def test_tx01_preview_of_an_unsaved_schedule(api, admin):
    rule = "BRIEF §8: the next five executions of the unsaved schedule; extra keys such as index are ignored"
    data = preview(api, "Africa/Lagos", FORM_SLOTS, rule)
    runs = data["nextExecutions"]
    seen = api.last
    check(seen, data["timezone"] == "Africa/Lagos" and len(runs) == 5, "timezone Africa/Lagos and 5 runs", rule)
    check(seen, [r["nextRun"] for r in runs] == sorted(r["nextRun"] for r in runs), "runs in time order", rule)
    now = parse_instant(data["currentTime"])
    for run in runs:
        check(seen, parse_instant(run["nextRun"]) > now, f"every nextRun after currentTime {now}", rule)
        check(
            seen,
            local_wall(run["nextRun"], "Africa/Lagos") == run["slotTime"]
            and parse_instant(run["localTime"]) == parse_instant(run["nextRun"]),
            f"{run['nextRun']} at its slotTime in Lagos, and localTime the same instant",
            rule,
        )
    slot_times = {r["slotTime"] for r in runs}
    check(seen, slot_times <= {"09:00:00", "15:00:00", "21:00:00"}, "only the form's times 09, 15 and 21", rule)


@pytest.mark.live_read
@pytest.mark.parametrize(
    ("timezone", "entries", "mentions"),
    [
        ("Mars/Olympus_Mons", FORM_SLOTS, "timezone"),
        ("Africa/Lagos", [{"time": "25:00:00", "label": ""}], "slots[0].time"),
        ("Africa/Lagos", [{"time": "nine", "label": ""}], "slots[0].time"),
        ("Africa/Lagos", "[{not json", "slots"),
    ],
    ids=["unknown-zone", "hour-25", "not-a-time", "not-json"],
)
def test_tx01_preview_refuses_bad_input(api, admin, timezone, entries, mentions):
    params = {"timezone": timezone, "slots": json.dumps(entries) if not isinstance(entries, str) else entries}
    exchange = api.request("GET", PREVIEW, headers=api.auth(), params=params)
    found = expect(
        exchange, 400, "BRIEF §8: a bad timezone or time is a 400 with the envelope", code="VALIDATION_ERROR"
    )
    if not names_field(found.get("errors", []), mentions):
        fail(exchange, f"an errors line naming {mentions}", "BRIEF §0: one line per problem, naming the field")


@pytest.mark.mock
@pytest.mark.parametrize(
    ("start", "zone", "times"),
    [
        ("2026-02-12T07:00:00.000Z", "Africa/Lagos", [(9, 0, 0), (15, 0, 0), (21, 0, 0)]),
        ("2026-03-08T05:30:00.000Z", "America/New_York", [(2, 30, 0), (9, 0, 0)]),  # spring-forward day
        ("2026-11-01T04:30:00.000Z", "America/New_York", [(1, 30, 0), (23, 0, 0)]),  # fall-back day
    ],
    ids=["lagos", "new-york-spring-forward", "new-york-fall-back"],
)
def test_tx01_preview_agrees_with_the_saved_schedule(api, mock, start, zone, times):
    rule = "BRIEF §8: the preview and the saved schedule's nextExecutions are the same instants"
    mock.reset(start)
    entries = [{"time": f"{h:02d}:{m:02d}:{s:02d}", "label": "", "index": i} for i, (h, m, s) in enumerate(times)]
    previewed = preview(api, zone, entries)["nextExecutions"]
    saved = put_schedule(api, slots(*times, timezone=zone))["nextExecutions"]
    first = {}
    for run in previewed:
        first.setdefault(run["slotNumber"], run["nextRun"])
    got = {e["slotNumber"]: e["scheduledFor"] for e in saved}
    check(api, got == first, f"the saved nextExecutions equal to the preview's first runs {first}", rule)


@pytest.mark.live_read
def test_tx02_my_permissions(api, admin):
    rule = "BRIEF §8: rbac/my-permissions; an admin may declare"
    data = expect(api.request("GET", MY_PERMISSIONS, headers=api.auth()), 200, rule)["data"]
    if api.is_mock:
        check(
            api,
            data["role"] == "admin" and {"financial.declare", "analytics.view"} <= set(data["permissions"]),
            "role admin with financial.declare and analytics.view",
            rule,
        )


@pytest.mark.mock
def test_tx02_permissions_follow_the_role(api, mock):
    rule = (
        "BRIEF §8: support_agent has neither financial.declare nor analytics.view; "
        "§10: the catalogue is for superAdmin and admin"
    )
    support = {"Authorization": f"Bearer {mock.token('support@novunt.test')}"}
    data = expect(api.request("GET", MY_PERMISSIONS, headers=support), 200, rule)["data"]
    check(
        api,
        data["role"] == "support_agent" and not {"financial.declare", "analytics.view"} & set(data["permissions"]),
        "role support_agent without financial.declare or analytics.view",
        rule,
    )
    superadmin = {"Authorization": f"Bearer {mock.token('ops@novunt.test')}"}
    catalogue = expect(api.request("GET", PERMISSIONS, headers=superadmin), 200, rule)["data"]
    keys = {p["key"] for p in catalogue}
    check(api, {"financial.declare", "analytics.view"} <= keys, "a catalogue naming both permissions", rule)
    expect(api.request("GET", PERMISSIONS, headers=api.auth()), 200, rule)
    expect(api.request("GET", PERMISSIONS, headers=support), 403, rule, code="FORBIDDEN")
    investor = {"Authorization": f"Bearer {mock.token('investor@novunt.test')}"}
    expect(api.request("GET", MY_PERMISSIONS, headers=investor), 403, rule, code="FORBIDDEN")


@pytest.mark.live_read
def test_tx03_platform_config(api):
    rule = "BRIEF §8: GET /config?format=flat&includeTooltips=false at the root, on every page load"
    data = expect(api.request("GET", CONFIG, params={"format": "flat", "includeTooltips": "false"}), 200, rule)["data"]
    check(api, isinstance(data, dict) and data, "a non-empty configuration map", rule)
    if api.is_mock:
        flat = all("." in key and not isinstance(value, dict) for key, value in data.items())
        check(api, flat, "a flat map of dotted keys", rule)


@pytest.mark.live_read
def test_tx04_pool_qualifiers(api, admin):
    rule = "BRIEF §8: admin/pool/qualifiers"
    data = expect(api.request("GET", QUALIFIERS, headers=api.auth()), 200, rule)["data"]
    for pool in ("performancePool", "premiumPool"):
        total = sum(data[pool]["byRank"].values())
        check(api, data[pool]["totalQualifiers"] == total, f"{pool}.totalQualifiers {total}, the sum by rank", rule)


@pytest.mark.mock
def test_tx04_qualifiers_are_who_the_pools_pay(api, mock):
    rule = "BRIEF §8: the qualifier counts are the same the payouts use"
    counts = expect(api.request("GET", QUALIFIERS, headers=api.auth()), 200, rule)["data"]
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    mock.advance(to="next-slot")
    details = status(api)["distributionSlots"][0]["executionDetails"]
    for stats, pool in (("premiumPoolStats", "premiumPool"), ("performancePoolStats", "performancePool")):
        wanted = counts[pool]["totalQualifiers"]
        check(api, details[stats]["usersReceived"] == wanted, f"{stats}.usersReceived {wanted}", rule)


@pytest.mark.live_read
@pytest.mark.parametrize(("method", "path"), [("PATCH", MODIFY), ("DELETE", CANCEL)], ids=["modify", "cancel"])
def test_tx05_modify_and_cancel_need_2fa(api, admin, method, path):
    from ..fixtures import token_has_2fa

    if not token_has_2fa(admin):
        pytest.skip("the given admin has no 2FA enabled")
    if method == "DELETE" and not api.allow_distribution:  # a backend that skipped 2FA would cancel today
        skip_for("--allow-distribution", "cancel is only probed where a cancelled day does no harm")
    payload = {"distributionSlots": [{"slotNumber": 0, "rosPercentage": -1}]} if method == "PATCH" else None
    exchange = api.request(method, path, headers={"Authorization": f"Bearer {admin}"}, json=payload)
    expect(exchange, 403, "BRIEF §8: modify and cancel are 2FA routes", code="2FA_CODE_REQUIRED")


@pytest.mark.mock
def test_tx05_modify_changes_pending_slots_only(api, mock):
    rule = "BRIEF §8: modify edits PENDING slots and values; a slot that has run cannot change (409)"
    exchange = api.request("PATCH", MODIFY, headers=api.auth(code=True), json={"description": "x"})
    expect(exchange, 404, rule, code="NOT_FOUND")
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    edit = {
        "distributionSlots": [{"slotNumber": 2, "rosPercentage": 2.5}],
        "rosPercentage": 5.0,
        "description": "Edited",
    }
    data = expect(api.request("PATCH", MODIFY, headers=api.auth(code=True), json=edit), 200, rule)["data"]
    check(
        api,
        [s["rosPercentage"] for s in data["distributionSlots"]] == [1.5, 2.5, 1.0]
        and data["values"]["rosPercentage"] == 5.0
        and data["values"]["description"] == "Edited",
        "slot ROS 1.5, 2.5, 1.0, total 5.0 and description 'Edited'",
        rule,
    )
    wrong_sum = {"distributionSlots": [{"slotNumber": 3, "rosPercentage": 2.0}], "rosPercentage": 1.0}
    expect_400(api, "PATCH", MODIFY, wrong_sum, rule, field="rosPercentage")
    mock.advance(to="next-slot")  # slot 1 runs
    late = {"distributionSlots": [{"slotNumber": 1, "rosPercentage": 9.0}], "rosPercentage": 12.5}
    expect(api.request("PATCH", MODIFY, headers=api.auth(code=True), json=late), 409, rule, code="CONFLICT")
    check(api, status(api)["distributionSlots"][0]["rosPercentage"] == 1.5, "the executed slot 1 unchanged", rule)
    pools = {"premiumPoolAmount": 20000}
    data = expect(api.request("PATCH", MODIFY, headers=api.auth(code=True), json=pools), 200, rule)["data"]
    check(api, data["values"]["premiumPoolAmount"] == 20000, "premiumPoolAmount 20000", rule)
    mock.advance(until="2026-02-12T22:30:00.000Z")
    slots_paid = status(api)["distributionSlots"]
    paid = sum((money(s["executionDetails"]["premiumPoolStats"]["totalDistributed"]) for s in slots_paid), Decimal(0))
    check(api, paid == Decimal(20000), f"the day paying exactly the new premium pool 20000 (it paid {paid})", rule)


@pytest.mark.mock
def test_tx06_cancel_drops_pending_slots_and_keeps_run_ones(api, mock):
    rule = "BRIEF §8: cancel removes today's PENDING slots; executed ones stay; nothing to cancel is 404"
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    mock.advance(to="next-slot")
    expect(api.request("DELETE", CANCEL, headers=api.auth(code=True), json={}), 200, rule)
    left = [(s["slotNumber"], s["status"]) for s in status(api)["distributionSlots"]]
    check(api, left == [(1, "COMPLETED")], "only the COMPLETED slot 1 left", rule)
    expect(api.request("DELETE", CANCEL, headers=api.auth(code=True)), 404, rule, code="NOT_FOUND")
    ran = mock.advance(until="2026-02-12T22:30:00.000Z")
    check(None, ran == [], f"no cancelled slot running (ran {ran})", rule)


@pytest.mark.mock
def test_tx06_cancelling_an_untouched_day_allows_a_new_queue(api, mock):
    rule = "BRIEF §8: when no slot had run, cancel removes the day and today can be queued again"
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    expect(api.request("DELETE", CANCEL, headers=api.auth(code=True), json={}), 200, rule)
    check(api, status(api)["status"] == "EMPTY", "status EMPTY after cancelling an untouched day", rule)
    queue(api, multi_queue(1.0, 1.0, 1.0), rule)


@pytest.mark.live_read
def test_tx01_preview_without_parameters_shows_the_saved_schedule(api, admin):
    rule = "later clients call the preview with no parameters: the saved schedule is previewed"
    exchange = api.request("GET", PREVIEW, headers=api.auth())
    data = expect(exchange, (200, 404), rule)
    if exchange.status == 200:
        saved = get_schedule(api)
        times = {f"{s['hour']:02d}:{s['minute']:02d}:{s['second']:02d}" for s in saved["schedules"]}
        check(
            exchange,
            data["data"]["timezone"] == saved["timezone"]
            and {r["slotTime"] for r in data["data"]["nextExecutions"]} <= times,
            f"the saved schedule previewed: {saved['timezone']} at {sorted(times)}",
            rule,
        )
