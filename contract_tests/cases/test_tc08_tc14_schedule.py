"""TC08-TC14: updating the schedule, its validation, malformed requests, the toggle."""

from __future__ import annotations

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    CRON_STATUS,
    SCHEDULE,
    THREE_SLOTS,
    body,
    cron_status,
    expect_400,
    get_schedule,
    local_wall,
    names_field,
    put_schedule,
    slots,
    toggle,
)


@pytest.mark.live_write
def test_tc08_update_takes_effect_at_once(api, restore_schedule):
    rule = "BRIEF §3: PUT stores the schedule and 'restarts the cron': the next GET and /cron-status show it"
    saved = put_schedule(api, THREE_SLOTS)
    times = [(s["slotNumber"], s["hour"], s["minute"], s["second"]) for s in saved["schedules"]]
    check(api, times == [(1, 9, 0, 0), (2, 15, 0, 0), (3, 21, 0, 0)], "the schedules that were sent", rule)
    read = get_schedule(api)
    check(
        api,
        read["schedules"] == saved["schedules"] and read["timezone"] == "Africa/Lagos",
        f"the next GET shows what the PUT saved: {saved['schedules']} in Africa/Lagos",
        rule,
    )
    public = cron_status(api)
    wall = [s["scheduledTime"] for s in public["schedules"]]
    check(
        api,
        public["numberOfSlots"] == 3 and wall == ["09:00:00", "15:00:00", "21:00:00"],
        "numberOfSlots 3 and scheduledTime 09:00:00, 15:00:00, 21:00:00 at once",
        rule,
    )
    if public["isEnabled"]:
        nxt = public["nextExecution"]
        check(
            api,
            local_wall(nxt["time"], "Africa/Lagos") in {"09:00:00", "15:00:00", "21:00:00"}
            and read["nextExecutions"][0]["scheduledFor"] == nxt["time"],
            f"nextExecution at the new schedule's first next run {read['nextExecutions'][0]['scheduledFor']}",
            rule,
        )


@pytest.mark.live_write
@pytest.mark.parametrize("given", ["Africa/Lagos", "Africa/Lagos (UTC+01:00)"])
def test_tc09_timezone_as_name_or_label_stores_the_name(api, restore_schedule, given):
    rule = "BRIEF §3: the timezone may be its IANA name or its label; the stored value is the IANA name"
    saved = put_schedule(api, body(THREE_SLOTS, timezone=given), rule)
    check(api, saved["timezone"] == "Africa/Lagos", "timezone 'Africa/Lagos' in the answer", rule)
    check(api, get_schedule(api)["timezone"] == "Africa/Lagos", "timezone 'Africa/Lagos' read back", rule)


@pytest.mark.live_read
@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", ""])
def test_tc09_unknown_or_empty_timezone_refused(signer, zone):
    # Invalid twice (the zone and numberOfSlots 0), so it cannot be accepted by a backend that skips one check.
    expect_400(signer, "PUT", SCHEDULE, body(THREE_SLOTS, timezone=zone, numberOfSlots=0), "BRIEF §3", field="timezone")
    if zone and signer.is_mock:  # invalid on one count only: never sent to a live backend
        expect_400(signer, "PUT", SCHEDULE, body(THREE_SLOTS, timezone=zone), "BRIEF §3", field="timezone")


@pytest.mark.parametrize("count", [1, 10])
@pytest.mark.mock
@pytest.mark.live_write
def test_tc10_one_and_ten_slots_accepted(api, restore_schedule, count):
    times = [(h, 30, 0) for h in range(count)]
    saved = put_schedule(api, slots(*times), "BRIEF §3: numberOfSlots 1-10")
    check(api, saved["numberOfSlots"] == count == len(saved["schedules"]), f"{count} slots saved", "BRIEF §3")


# "schedules length equals numberOfSlots" (BRIEF §3) is a rule about both fields: a line may name either.
COUNT_OR_LIST = ("numberOfSlots", "schedules")


@pytest.mark.mock
@pytest.mark.live_write
@pytest.mark.parametrize(
    ("payload", "mentions"),
    [
        (body(slots((9, 0, 0)), numberOfSlots=0, schedules=[]), "numberOfSlots"),
        (slots(*[(h, 0, 0) for h in range(11)]), "numberOfSlots"),
        (body(slots((9, 0, 0), (10, 0, 0)), numberOfSlots=3), COUNT_OR_LIST),
        (body(slots((9, 0, 0), (10, 0, 0)), numberOfSlots=1), COUNT_OR_LIST),
    ],
    ids=["zero", "eleven", "count-above-schedules", "count-below-schedules"],
)
def test_tc10_slot_count_rules(api, restore_schedule, payload, mentions):
    rule = "BRIEF §3: numberOfSlots 1-10 and equal to the schedules"
    expect_400(api, "PUT", SCHEDULE, payload, rule, field=mentions)


@pytest.mark.mock
@pytest.mark.live_write
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hour", 24), ("minute", 60), ("second", 60), ("hour", -1), ("minute", -5),
        ("hour", 9.5), ("second", 0.5), ("hour", "9"), ("minute", None),
    ],
)  # fmt: skip
def test_tc11_bad_time_fields(api, restore_schedule, field, value):
    payload = slots((9, 0, 0), (15, 0, 0))
    payload["schedules"][1][field] = value
    rule = "BRIEF §3: hour 0-23, minute/second 0-59, integers"
    errors = expect_400(api, "PUT", SCHEDULE, payload, rule, field=field)
    check(api, names_field(errors, "schedules[1]"), f"an errors line naming schedules[1] (its {field})", rule)


@pytest.mark.mock
def test_tc11_each_bad_field_gets_its_own_line(api):
    payload = slots((9, 0, 0), (15, 0, 0))
    payload["schedules"][0].update(hour=24, minute=60)
    payload["schedules"][1]["second"] = "x"
    rule = "BRIEF §0: errors lists every problem, one line each"
    errors = expect_400(api, "PUT", SCHEDULE, payload, rule)
    for name in ("schedules[0].hour", "schedules[0].minute", "schedules[1].second"):
        check(api, names_field(errors, name), f"an errors line naming {name}", rule)


# The numbering rules (BRIEF §3: "slot numbers exactly 1..N, no duplicates") are about the list or
# the slot's field: a line naming `schedules` or `slotNumber` (`schedules[1].slotNumber`) names it.
NUMBERING = ("schedules", "slotNumber")


@pytest.mark.mock
@pytest.mark.live_write
@pytest.mark.parametrize(
    ("schedules", "mentions"),
    [
        ([(1, 9, 0, 0), (2, 9, 0, 0)], "schedules"),
        ([(1, 9, 0, 0), (1, 10, 0, 0)], NUMBERING),
        ([(1, 9, 0, 0), (3, 10, 0, 0)], NUMBERING),
        ([(2, 9, 0, 0), (3, 10, 0, 0)], NUMBERING),
    ],
    ids=["same-time", "repeated-number", "gap-in-numbers", "not-starting-at-1"],
)
def test_tc12_duplicates_and_numbering(api, restore_schedule, schedules, mentions):
    payload = {
        "timezone": "Africa/Lagos",
        "numberOfSlots": len(schedules),
        "schedules": [{"slotNumber": n, "hour": h, "minute": m, "second": s} for n, h, m, s in schedules],
    }
    expect_400(
        api,
        "PUT",
        SCHEDULE,
        payload,
        "BRIEF §3: slot numbers 1..N, no duplicates, no two slots at one time",
        field=mentions,
    )


MISSING = {
    "missing-timezone": ({"numberOfSlots": 0, "schedules": []}, "timezone"),
    "missing-schedules": ({"timezone": "Africa/Lagos", "numberOfSlots": 11}, "schedules"),
    "empty-object": ({}, "timezone"),
}


@pytest.mark.live_read
@pytest.mark.parametrize("case", list(MISSING))
def test_tc13_missing_fields(signer, case):
    payload, mentions = MISSING[case]
    expect_400(signer, "PUT", SCHEDULE, payload, "BRIEF §0: schema errors -> 400 VALIDATION_ERROR", field=mentions)


@pytest.mark.live_read
def test_tc13_empty_body(signer):
    exchange = signer.request("PUT", SCHEDULE, headers={**signer.auth(code=True), "Content-Type": "application/json"})
    expect(exchange, 400, "BRIEF §0: an empty body -> 400 with the envelope", code="VALIDATION_ERROR")


@pytest.mark.live_read
def test_tc13_body_that_is_not_json(signer):
    headers = {**signer.auth(code=True), "Content-Type": "application/json"}
    exchange = signer.request("PUT", SCHEDULE, headers=headers, content=b'{"timezone": "Africa/Lagos",')
    expect(exchange, 400, "BRIEF §0: a body that does not parse -> 400 INVALID_JSON", code="INVALID_JSON")


@pytest.mark.live_read
def test_tc13_wrong_content_type(signer):
    headers = {**signer.auth(code=True), "Content-Type": "text/plain"}
    exchange = signer.request("PUT", SCHEDULE, headers=headers, content=b"timezone=Africa/Lagos&numberOfSlots=0")
    allowed = 415 if signer.is_mock else (415, 400)
    expect(exchange, allowed, "BRIEF §0: a non-JSON content type -> 415 (a live backend may answer 400)")


@pytest.mark.live_read
def test_tc13_unknown_path_and_wrong_method(api, admin):
    headers = api.auth()
    expect(
        api.request("GET", "/api/v1/admin/cron-settings/no-such-thing", headers=headers),
        404,
        "BRIEF §0: unknown path -> 404",
        code="NOT_FOUND",
    )
    expect(api.request("GET", "/no-such-root-path"), 404, "BRIEF §0: unknown path -> 404", code="NOT_FOUND")
    exchange = api.request("DELETE", CRON_STATUS)
    expect(exchange, 405, "BRIEF §0: known path, wrong method -> 405", code="METHOD_NOT_ALLOWED")
    if "GET" not in exchange.headers.get("allow", ""):
        fail(exchange, "an Allow header naming GET", "RFC 9110 §15.5.6: a 405 lists the allowed methods")
    expect(
        api.request("POST", SCHEDULE, headers=headers, json={}),
        405,
        "BRIEF §0: known path, wrong method -> 405",
        code="METHOD_NOT_ALLOWED",
    )


@pytest.mark.live_write
def test_tc14_toggle_off_and_on(api, restore_schedule):
    rule = "BRIEF §4/§5: disabled -> isEnabled false, /cron-status inactive with no next execution, nextExecutions []"
    off = toggle(api, False)
    check(api, off["isEnabled"] is False and off["nextExecutions"] == [], "isEnabled false, nextExecutions []", rule)
    public = cron_status(api)
    check(
        api,
        public["status"] == "inactive" and public["isEnabled"] is False and "nextExecution" not in public,
        "status inactive, isEnabled false, no nextExecution",
        rule,
    )
    check(api, get_schedule(api)["nextExecutions"] == [], "nextExecutions [] read back", rule)
    on = toggle(api, True)
    check(
        api,
        on["isEnabled"] is True and len(on["nextExecutions"]) == on["numberOfSlots"],
        "isEnabled true with one next execution per slot",
        rule,
    )
    public = cron_status(api)
    check(api, public["status"] == "active" and "nextExecution" in public, "status active with nextExecution", rule)
