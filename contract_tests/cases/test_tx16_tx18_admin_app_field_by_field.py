"""TX16-TX18: what today's admin app sends in its forms and shows of their errors (BRIEF section 11):
percentages summed in JavaScript floats, a modify that names every slot of a partly run day, and a 400
whose message says its first problem."""

from __future__ import annotations

import re

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    HISTORY,
    MODIFY,
    MULTI_QUEUE,
    QUEUE,
    SCHEDULE,
    THREE_SLOTS,
    body,
    expect_400,
    get_schedule,
    names_field,
    put_schedule,
    queue,
    settings_body,
    slots,
    status,
)
from ..oracle import float_sum, money, ros_paid

# -- TX16 percentages summed in floats -------------------------------------------------------------
# (slots' ROS, shown as); the app sends their float sum: 0.1 + 0.2 is 0.30000000000000004
FLOAT_SUMS = [((0.1, 0.2), 0.3), ((0.1, 0.2, 1.1), 1.4)]
EDITED = {2: (0.1, 0.7), 3: (0.1, 0.2, 0.4)}  # a modify whose float sum is inexact too: 0.8, 0.7


def float_queue(ros: tuple[float, ...]) -> dict:
    return {
        "multiSlotEnabled": True,
        "distributionSlots": [{"slotNumber": n, "rosPercentage": r} for n, r in enumerate(ros, start=1)],
        "rosPercentage": float_sum(ros),
        "premiumPoolAmount": 100,
        "performancePoolAmount": 50,
    }


@pytest.mark.mock
@pytest.mark.parametrize(("ros", "shown"), FLOAT_SUMS, ids=["two-slots", "three-slots"])
def test_tx16_a_float_sum_is_its_rounded_value(api, mock, ros, shown):
    rule = "BRIEF §11: a percentage within 1e-9 of one with at most 4 decimals is that value, stored and shown rounded"
    put_schedule(api, slots(*[(9 + 3 * i, 0, 0) for i in range(len(ros))]))
    sent = float_queue(ros)
    check(None, sent["rosPercentage"] != shown, f"the float sum {sent['rosPercentage']!r} is not {shown}", rule)
    data = queue(api, sent, rule)
    check(api, data["values"]["rosPercentage"] == shown, f"rosPercentage shown as {shown}", rule)
    check(api, [s["rosPercentage"] for s in data["distributionSlots"]] == list(ros), f"slot ROS {list(ros)}", rule)
    edited = EDITED[len(ros)]
    answer = expect(modify(api, edited, float_sum(edited)), 200, rule)["data"]
    total = round(sum(edited), 4)
    check(api, answer["values"]["rosPercentage"] == total, f"the modified rosPercentage shown as {total}", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    ("ros", "total", "field"),
    [
        ((2.12345, 1.0, 1.0), 4.12345, "distributionSlots[0].rosPercentage"),
        ((1.0, 1.0, 1.0), 3.0000001, "rosPercentage"),
    ],
    ids=["slot-with-5-decimals", "total-1e-7-off"],
)
def test_tx16_more_digits_than_4_decimals_is_refused(api, mock, ros, total, field):
    rule = "BRIEF §11: more digits than 4 decimals (beyond 1e-9) is still a 400 naming the field"
    put_schedule(api, THREE_SLOTS)
    payload = {**float_queue(ros), "rosPercentage": total}
    expect_400(api, "POST", QUEUE, payload, rule, field=field)
    check(api, status(api)["status"] == "EMPTY", "nothing queued (status EMPTY)", rule)


@pytest.mark.live_distribution
def test_tx16_a_float_sum_is_accepted(api, restore_schedule):
    rule = "BRIEF §11: the admin app's float sum 0.1 + 0.2 + 1.1 = 1.4000000000000001 is accepted as 1.4"
    put_schedule(api, THREE_SLOTS)
    exchange = api.request("POST", QUEUE, headers=api.auth(code=True), json=float_queue((0.1, 0.2, 1.1)))
    if exchange.status == 409 and not api.is_mock:
        pytest.skip("today is already queued on this backend")
    data = expect(exchange, 201, rule)["data"]
    check(exchange, data["values"]["rosPercentage"] == 1.4, "rosPercentage shown as 1.4", rule)


# -- TX17 modify on a partly run day ----------------------------------------------------------------
SLOT_ONE = re.compile(r"\bslot\s*(?:number)?\W{0,3}1(?!\d)|distributionSlots\[0\]", re.IGNORECASE)


def edit_of(ros: tuple[float, ...]) -> dict:
    return {"distributionSlots": [{"slotNumber": n, "rosPercentage": r} for n, r in enumerate(ros, start=1)]}


def modify(api, ros: tuple[float, ...], total: float):
    return api.request("PATCH", MODIFY, headers=api.auth(code=True), json={**edit_of(ros), "rosPercentage": total})


@pytest.mark.mock
def test_tx17_modify_names_every_slot_of_a_partly_run_day(api, mock):
    rule = (
        "BRIEF §11: modify on a partly run day names every slot; a slot that ran, with its recorded ROS, "
        "is ignored; the pending slots change; rosPercentage is the whole day's sum"
    )
    stakes = mock.active_stakes()
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)  # 1.5, 2.0, 1.0
    mock.advance(to="next-slot")  # slot 1 runs
    ran = status(api)["distributionSlots"][0]
    data = expect(modify(api, (1.5, 2.5, 1.0), 5.0), 200, rule)["data"]
    check(
        api,
        [s["rosPercentage"] for s in data["distributionSlots"]] == [1.5, 2.5, 1.0]
        and data["values"]["rosPercentage"] == 5.0,
        "slot ROS 1.5, 2.5, 1.0 and rosPercentage 5.0",
        rule,
    )
    check(api, data["distributionSlots"][0] == ran, f"slot 1, which ran, untouched: {ran}", rule)
    refused = modify(api, (9.0, 2.5, 1.0), 12.5)
    found = expect(refused, 409, "BRIEF §11: a different ROS for a slot that ran is 409 naming it", code="CONFLICT")
    if not SLOT_ONE.search(found["error"]["message"]):
        fail(refused, "an error.message naming slot 1 (all the declaration page shows)", "BRIEF §11")
    pending_only = {**edit_of((1.5, 3.0, 1.0)), "rosPercentage": 4.0}  # 3.0 + 1.0: the pending slots' sum alone
    expect_400(
        api, "PATCH", MODIFY, pending_only, "BRIEF §11: rosPercentage is the whole day's sum", field="rosPercentage"
    )
    after = status(api)
    check(
        api,
        [s["rosPercentage"] for s in after["distributionSlots"]] == [1.5, 2.5, 1.0],
        "refusals change nothing",
        rule,
    )
    mock.advance(until="2026-02-12T22:30:00.000Z")
    paid = [money(s["executionDetails"]["rosStats"]["totalDistributed"]) for s in status(api)["distributionSlots"]]
    wanted = [ros_paid(stakes, r) for r in ("1.5", "2.5", "1.0")]
    check(api, paid == wanted, f"the slots paying {wanted}: slot 2 at its new 2.5%", rule)


# -- TX18 a 400's message says its first problem -----------------------------------------------------
def says(exchange, found: dict, field: str, rule: str) -> None:
    for where, text in (("message", found["message"]), ("error.message", found["error"]["message"])):
        if not names_field([text], field):
            fail(exchange, f"{where} naming the field {field!r}: it is all the app shows of a 400", rule)


@pytest.mark.mock
@pytest.mark.live_write
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (slots(*[(h, 0, 0) for h in range(11)]), "numberOfSlots"),
        (slots((9, 0, 0), (24, 0, 0)), "hour"),
        (body(slots((9, 0, 0)), timezone="Mars/Olympus_Mons"), "timezone"),
    ],
    ids=["eleven-slots", "hour-24", "unknown-zone"],
)
def test_tx18_a_schedule_400_says_its_problem(api, restore_schedule, payload, field):
    rule = "BRIEF §11: a 400's message and error.message name its first problem's field"
    before = get_schedule(api)
    exchange = api.request("PUT", SCHEDULE, headers=api.auth(code=True), json=payload)
    says(exchange, expect(exchange, 400, rule, code="VALIDATION_ERROR"), field, rule)
    after = get_schedule(api)
    check(
        api,
        (settings_body(after), after["isEnabled"]) == (settings_body(before), before["isEnabled"]),
        "the schedule unchanged by the refused PUT",
        rule,
    )


@pytest.mark.live_read
def test_tx18_a_history_400_says_its_problem(api, admin):
    rule = "BRIEF §11: the declaration pages show error.message of a 400: it names the first problem's field"
    exchange = api.request("GET", HISTORY, headers=api.auth(), params={"limit": 0})
    says(exchange, expect(exchange, 400, rule, code="VALIDATION_ERROR"), "limit", rule)


@pytest.mark.mock
def test_tx18_a_queue_400_says_its_problem(api, mock):
    rule = "BRIEF §11: the declaration pages show error.message of a 400: it names the first problem's field"
    put_schedule(api, THREE_SLOTS)
    payload = body(MULTI_QUEUE, premiumPoolAmount=-1)
    exchange = api.request("POST", QUEUE, headers=api.auth(code=True), json=payload)
    says(exchange, expect(exchange, 400, rule, code="VALIDATION_ERROR"), "premiumPoolAmount", rule)
