"""TC15-TC20: queueing today's distribution, its validation, one queue a day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ..contract import check, expect
from ..helpers import (
    LEGACY_QUEUE,
    MULTI_QUEUE,
    QUEUE,
    THREE_SLOTS,
    body,
    expect_400,
    multi_queue,
    now_of,
    put_schedule,
    queue,
    status,
)
from ..oracle import local_date, money, run_instant, wire_instant

LAGOS = ZoneInfo("Africa/Lagos")


def _queue_or_skip(api, payload, rule):
    exchange = api.request("POST", QUEUE, headers=api.auth(code=True), json=payload)
    if exchange.status == 409 and not api.is_mock:
        pytest.skip("today is already queued on this backend")
    return expect(exchange, 201, rule)["data"]


@pytest.mark.live_distribution
def test_tc15_legacy_single_slot_queue(api, restore_schedule):
    rule = "BRIEF §6: the legacy body runs once today at 15:59:59 Africa/Lagos"
    data = _queue_or_skip(api, LEGACY_QUEUE, rule)
    read = status(api)
    check(
        api,
        read["multiSlotEnabled"] is False and len(read["distributionSlots"]) == 1,
        "multiSlotEnabled false with one slot",
        rule,
    )
    slot = read["distributionSlots"][0]
    today = date.fromisoformat(read["today"])
    expected = wire_instant(run_instant(today, 15, 59, 59, LAGOS))
    check(
        api,
        slot["slotNumber"] == 1 and slot["scheduledTime"] == "15:59:59" and slot["scheduledFor"] == expected,
        f"slot 1 at 15:59:59 Africa/Lagos, scheduledFor {expected}",
        rule,
    )
    if api.is_mock:
        check(
            api,
            data["status"] == read["status"] == "PENDING" and slot["status"] == "PENDING",
            "the day and its slot PENDING",
            rule,
        )
        values = {"rosPercentage": 2.5, "premiumPoolAmount": 10000, "performancePoolAmount": 5000, "description": ""}
        check(api, read["values"] == values, f"values {values}", rule)


@pytest.mark.live_distribution
def test_tc16_multi_slot_queue(api, restore_schedule):
    rule = "BRIEF §6/§7: three PENDING slots whose scheduledFor are the schedule's times today in its zone"
    put_schedule(api, THREE_SLOTS)
    data = _queue_or_skip(api, MULTI_QUEUE, rule)
    queued = api.last
    today = date.fromisoformat(data["today"])
    local = local_date(LAGOS, now_of(api))
    check(queued, today == local, f"today {local}, the date in Africa/Lagos", "BRIEF §0: today in the schedule's zone")
    slots = data["distributionSlots"]
    check(
        queued,
        [s["slotNumber"] for s in slots] == [1, 2, 3] and data["multiSlotEnabled"] is True,
        "multiSlotEnabled true with slots 1, 2, 3",
        rule,
    )
    check(queued, [s["rosPercentage"] for s in slots] == [1.5, 2.0, 1.0], "slot ROS 1.5, 2.0, 1.0", rule)
    for s, (h, m) in zip(slots, [(9, 0), (15, 0), (21, 0)], strict=True):
        expected = wire_instant(run_instant(today, h, m, 0, LAGOS))
        check(
            queued,
            s["scheduledFor"] == expected and s["scheduledTime"] == f"{h:02d}:{m:02d}:00",
            f"slot {s['slotNumber']} at {h:02d}:{m:02d}:00 Lagos, scheduledFor {expected}",
            rule,
        )
    if api.is_mock:
        check(queued, [s["status"] for s in slots] == ["PENDING"] * 3, "three PENDING slots", rule)
        check(
            queued,
            data["status"] == "PENDING" and data["scheduledFor"] == slots[0]["scheduledFor"],
            "status PENDING, scheduledFor the earliest PENDING slot's",
            "BRIEF §7",
        )
    check(api, status(api) == data, "today's status read back equal to the queue's answer", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    ("slot_ros", "total", "mentions"),
    [
        ((-0.5, 2.0, 1.0), 2.5, "distributionSlots[0].rosPercentage"),
        ((1.5, 100.5, 1.0), 103.0, "distributionSlots[1].rosPercentage"),
        ((1.5, "2", 1.0), 4.5, "distributionSlots[1].rosPercentage"),
        ((1.5, 2.0, 1.0), 5.0, "rosPercentage"),
        ((1.5, 2.00001, 1.0), 4.50001, "rosPercentage"),
    ],
    ids=["below-zero", "above-100", "not-a-number", "total-not-sum", "five-decimals"],
)
def test_tc17_ros_values_refused(api, slot_ros, total, mentions):
    put_schedule(api, THREE_SLOTS)
    payload = body(MULTI_QUEUE, rosPercentage=total)
    for entry, ros in zip(payload["distributionSlots"], slot_ros, strict=True):
        entry["rosPercentage"] = ros
    rule = "BRIEF §6: each slot's ROS 0-100, total = sum"
    expect_400(api, "POST", QUEUE, payload, rule, field=mentions)
    check(api, status(api)["status"] == "EMPTY", "nothing queued (status EMPTY)", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    "ros", [(2.5, 0, 1.25), (0, 0, 0), (60, 50, 0.0001)], ids=["decimals", "all-zero", "total-above-100"]
)
def test_tc17_ros_values_accepted(api, ros):
    put_schedule(api, THREE_SLOTS)
    rule = "BRIEF §6: decimals, 0 and a total above 100 are accepted"
    data = queue(api, multi_queue(*ros), rule)
    got = [s["rosPercentage"] for s in data["distributionSlots"]]
    check(api, got == [float(r) for r in ros], f"slot ROS {list(ros)} as sent", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("premiumPoolAmount", -1),
        ("performancePoolAmount", -0.01),
        ("premiumPoolAmount", "1000"),
        ("performancePoolAmount", None),
    ],
)
def test_tc18_bad_pool_amounts(api, field, value):
    expect_400(api, "POST", QUEUE, body(LEGACY_QUEUE, **{field: value}), "BRIEF §6: amounts >= 0, numbers", field=field)


@pytest.mark.mock
def test_tc18_a_billion_and_a_cent_paid_exactly(api, mock):
    rule = "BRIEF §0/§6: money in decimals; pools split across slots, the last taking the remainder"
    put_schedule(api, THREE_SLOTS)
    amount = 1_000_000_000.01
    data = queue(api, multi_queue(1.5, 2.0, 1.0, premium=amount, performance=1234.56), rule)
    check(api, data["values"]["premiumPoolAmount"] == amount, f"premiumPoolAmount {amount} carried", rule)
    mock.advance(until="2026-02-12T22:00:00.000Z")
    slots = status(api)["distributionSlots"]
    for pool, total in (("premiumPoolStats", "1000000000.01"), ("performancePoolStats", "1234.56")):
        paid = sum((money(s["executionDetails"][pool]["totalDistributed"]) for s in slots), Decimal(0))
        check(api, paid == Decimal(total), f"the slots' {pool} adding up to exactly {total} (paid {paid})", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    ("numbers", "mentions"),
    [((1, 2, 4), "distributionSlots"), ((1, 2, 2, 3), "distributionSlots"), ((1, 3), "distributionSlots")],
    ids=["unconfigured-slot", "slot-twice", "slot-left-out"],
)
def test_tc19_slot_set_must_match_the_schedule(api, numbers, mentions):
    put_schedule(api, THREE_SLOTS)
    payload = {
        **MULTI_QUEUE,
        "distributionSlots": [{"slotNumber": n, "rosPercentage": 1.0} for n in numbers],
        "rosPercentage": float(len(numbers)),
    }
    expect_400(
        api, "POST", QUEUE, payload, "BRIEF §6: distributionSlots names exactly the configured slots", field=mentions
    )


@pytest.mark.live_distribution
def test_tc20_second_queue_same_day_conflicts(api, restore_schedule):
    rule = "BRIEF §6: a second queue on the same day -> 409 CONFLICT, whatever the first one's status"
    exchange = api.request("POST", QUEUE, headers=api.auth(code=True), json=LEGACY_QUEUE)
    if exchange.status != 409:
        expect(exchange, 201, rule)
    before = status(api)
    again = api.request("POST", QUEUE, headers=api.auth(code=True), json=body(LEGACY_QUEUE, rosPercentage=3.0))
    expect(again, 409, rule, code="CONFLICT")
    check(again, status(api)["values"] == before["values"], f"the first queue unchanged: {before['values']}", rule)
    if api.is_mock:
        api.control.advance(until="2026-02-12T22:00:00.000Z")
        check(api, status(api)["status"] == "COMPLETED", "the day COMPLETED", rule)
        expect(api.request("POST", QUEUE, headers=api.auth(code=True), json=LEGACY_QUEUE), 409, rule, code="CONFLICT")
