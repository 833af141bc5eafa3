"""TC21-TC27: slots executing on the clock: lifecycle, payouts, faults, disabled days, schedule and
timezone changes, DST, and which day is "today"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import yaml

from mock_server.domain.schedule import parse_iso, to_iso, today_in
from mock_server.resources import FIXTURES_DIR

from ..contract import expect
from ..helpers import (
    QUEUE,
    SCHEDULE,
    THREE_SLOTS,
    get_schedule,
    local_wall,
    multi_queue,
    now_of,
    put_schedule,
    queue,
    slots,
    status,
    toggle,
)

LAGOS = ZoneInfo("Africa/Lagos")
END_OF_DAY = "2026-02-12T22:30:00.000Z"  # 23:30 in Lagos


def active_stake_total() -> tuple[int, Decimal]:
    """From the fixtures (these cases are mock-only): how many active stakes and their sum."""
    with (FIXTURES_DIR / "stakes.yaml").open(encoding="utf-8") as handle:
        stakes = [s for s in yaml.safe_load(handle)["stakes"] if s["isActive"]]
    return len(stakes), sum((Decimal(s["amount"]) for s in stakes), Decimal(0))


def three_slot_day(api) -> dict:
    put_schedule(api, THREE_SLOTS)
    return queue(api, multi_queue(1.5, 2.0, 1.0))


def by_slot(data: dict) -> dict[int, dict]:
    return {s["slotNumber"]: s for s in data["distributionSlots"]}


@pytest.mark.mock
def test_tc21_each_slot_moves_alone_and_in_turn(api, mock):
    rule = "BRIEF §6/§7: a slot runs PENDING -> EXECUTING -> COMPLETED at its time; overall status follows section 7"
    day = three_slot_day(api)
    for number in (1, 2, 3):
        ran = mock.advance(to="next-slot")
        assert [(r["slotNumber"], r["transitions"]) for r in ran] == [
            (number, ["PENDING", "EXECUTING", "COMPLETED"])
        ], rule
        assert ran[0]["at"] == by_slot(day)[number]["scheduledFor"], f"{rule}: slot {number} ran at {ran[0]['at']}"
        now = status(api)
        states = {n: s["status"] for n, s in by_slot(now).items()}
        assert states == {n: ("COMPLETED" if n <= number else "PENDING") for n in (1, 2, 3)}, rule
        assert now["status"] == ("COMPLETED" if number == 3 else "PENDING"), rule
        finished = by_slot(now)[number]["executionDetails"]
        assert finished["executedAt"] == ran[0]["at"] and finished["error"] is None, rule
        assert now["lastExecution"]["executedAt"] == finished["executedAt"], (
            "BRIEF §7: lastExecution is the latest finished slot"
        )
        assert now["lastExecution"]["rosStats"] == finished["rosStats"], rule
        if number < 3:
            assert now["scheduledFor"] == by_slot(now)[number + 1]["scheduledFor"], (
                "BRIEF §7: the earliest PENDING slot's time"
            )
    assert status(api)["scheduledFor"] == by_slot(day)[3]["scheduledFor"], (
        "BRIEF §7: the last slot's time once none is pending"
    )


@pytest.mark.mock
def test_tc22_every_slot_pays_every_active_stake(api, mock):
    rule = (
        "BRIEF §6: each slot pays every active stake amount x ROS / 100 (slot 2 as many as slot 1), exact to the cent"
    )
    count, total = active_stake_total()
    three_slot_day(api)
    mock.advance(until=END_OF_DAY)
    for number, ros in ((1, "1.5"), (2, "2.0"), (3, "1.0")):
        stats = by_slot(status(api))[number]["executionDetails"]["rosStats"]
        assert stats["processedStakes"] == count, (
            f"{rule}: slot {number} paid {stats['processedStakes']} of {count} stakes"
        )
        expected = (total * Decimal(ros) / 100).quantize(Decimal("0.01"))
        assert Decimal(str(stats["totalDistributed"])) == expected, (
            f"{rule}: slot {number} paid {stats['totalDistributed']}, not {expected}"
        )


@pytest.mark.mock
def test_tc22_concurrent_clock_moves_pay_once(api, mock):
    rule = "BRIEF §6: at most one payment per (stake, date, slot), however many clock moves race"
    _, total = active_stake_total()
    three_slot_day(api)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: mock.advance(until=END_OF_DAY), range(16)))
    ran = sorted(r["slotNumber"] for batch in results for r in batch)
    assert ran == [1, 2, 3], f"{rule}: the 16 moves ran slots {ran}"
    read = status(api)
    assert read["status"] == "COMPLETED"
    paid = sum(
        (Decimal(str(s["executionDetails"]["rosStats"]["totalDistributed"])) for s in read["distributionSlots"]),
        Decimal(0),
    )
    assert paid == (total * Decimal("4.5") / 100).quantize(Decimal("0.01")), rule


@pytest.mark.live_read
def test_tc22_completed_slots_paid_someone(api, admin):
    rule = "BRIEF §6: a COMPLETED slot with active stakes has processedStakes > 0 (the slot-2 bug paid nobody)"
    for slot in status(api)["distributionSlots"]:
        if slot["status"] == "COMPLETED":
            assert slot["executionDetails"]["rosStats"]["processedStakes"] > 0, f"{rule}: slot {slot['slotNumber']}"


@pytest.mark.mock
def test_tc23_a_failed_slot(api, mock):
    rule = "BRIEF §6/§7: a failing slot is FAILED with its error; the others are unaffected; overall FAILED"
    three_slot_day(api)
    mock.fault(2, error="Wallet service unavailable")
    mock.advance(until=END_OF_DAY)
    read = status(api)
    slots_now = by_slot(read)
    assert (
        slots_now[2]["status"] == "FAILED" and slots_now[2]["executionDetails"]["error"] == "Wallet service unavailable"
    ), rule
    assert slots_now[1]["status"] == slots_now[3]["status"] == "COMPLETED", rule
    assert slots_now[3]["executionDetails"]["rosStats"]["processedStakes"] == active_stake_total()[0], rule
    assert read["status"] == "FAILED", rule


@pytest.mark.mock
def test_tc24_disabled_schedule(api, mock):
    rule = (
        "BRIEF §4/§6: queueing works while disabled; nothing runs; re-enabling runs what is due; day end fails the rest"
    )
    put_schedule(api, THREE_SLOTS)
    toggle(api, False)
    queue(api, multi_queue(1.5, 2.0, 1.0))
    ran = mock.advance(until="2026-02-12T09:00:00.000Z")  # past slot 1 (08:00Z)
    assert ran == [] and by_slot(status(api))[1]["status"] == "PENDING", f"{rule}: a slot ran while disabled"
    toggle(api, True)
    assert by_slot(status(api))[1]["status"] == "COMPLETED", f"{rule}: re-enabling did not run the due slot"
    toggle(api, False)
    mock.advance(until="2026-02-12T22:00:00.000Z")  # 23:00 Lagos: slots 2 and 3 due, still disabled
    assert [s["status"] for s in status(api)["distributionSlots"]] == ["COMPLETED", "PENDING", "PENDING"], rule
    ended = mock.advance(until="2026-02-13T01:00:00.000Z")  # past the Lagos day's end
    assert [(r["slotNumber"], r["status"]) for r in ended] == [(2, "FAILED"), (3, "FAILED")], rule
    assert all(r["error"].startswith("Not executed") for r in ended), rule
    assert all(r["at"] == "2026-02-12T23:00:00.000Z" for r in ended), f"{rule}: they failed at the day's end"
    toggle(api, True)
    assert mock.advance(3600) == [], f"{rule}: a slot of the day before ran (paid a day late)"


@pytest.mark.mock
def test_tc25_schedule_change_after_queueing(api, mock):
    rule = "BRIEF §3/§6: a queued day keeps its slot times; the next day's queue uses the new schedule"
    day = three_slot_day(api)
    put_schedule(api, slots((10, 0, 0), (12, 0, 0), (14, 0, 0), (16, 0, 0), (18, 0, 0)))
    ran = mock.advance(until=END_OF_DAY)
    assert [r["at"] for r in ran] == [s["scheduledFor"] for s in day["distributionSlots"]], rule
    assert status(api)["status"] == "COMPLETED" and len(status(api)["distributionSlots"]) == 3, rule
    mock.advance(until="2026-02-13T07:00:00.000Z")
    tomorrow = queue(api, multi_queue(1, 1, 1, 1, 1))
    assert tomorrow["today"] == "2026-02-13" and len(tomorrow["distributionSlots"]) == 5, rule
    assert [s["scheduledTime"] for s in tomorrow["distributionSlots"]] == [
        "10:00:00",
        "12:00:00",
        "14:00:00",
        "16:00:00",
        "18:00:00",
    ]


@pytest.mark.mock
def test_tc26_timezone_change_shifts_next_executions(api, mock):
    rule = "BRIEF §2/§3: moving the schedule's zone moves every next execution by the zones' offset difference"
    utc = put_schedule(api, slots((9, 0, 0), (15, 0, 0), timezone="UTC"))
    la = put_schedule(api, slots((9, 0, 0), (15, 0, 0), timezone="America/Los_Angeles"))
    shift = {e["slotNumber"]: parse_iso(e["scheduledFor"]) for e in la["nextExecutions"]}
    for entry in utc["nextExecutions"]:
        moved = shift[entry["slotNumber"]] - parse_iso(entry["scheduledFor"])
        assert moved % timedelta(days=1) == timedelta(hours=8), f"{rule}: slot {entry['slotNumber']} moved {moved}"
    assert la["timezoneOffset"] == "-08:00"


@pytest.mark.mock
@pytest.mark.parametrize(
    ("start", "wall", "runs_at", "local"),
    [
        ("2026-03-08T05:30:00.000Z", (2, 30, 0), "2026-03-08T07:00:00.000Z", "03:00:00"),  # spring forward
        ("2026-11-01T04:30:00.000Z", (1, 30, 0), "2026-11-01T05:30:00.000Z", "01:30:00"),  # fall back: first 01:30
    ],
    ids=["spring-forward-gap", "fall-back-fold"],
)
def test_tc26_dst_days_in_new_york(api, mock, start, wall, runs_at, local):
    rule = "BRIEF §6: a time in the DST gap runs at the first instant after it; a repeated time runs once"
    mock.reset(start)
    put_schedule(api, slots(wall, timezone="America/New_York"))
    data = queue(api, multi_queue(1.0))
    assert data["distributionSlots"][0]["scheduledFor"] == runs_at, rule
    ran = mock.advance(until=to_iso(parse_iso(runs_at) + timedelta(hours=3)))
    assert [(r["slotNumber"], r["at"]) for r in ran] == [(1, runs_at)], f"{rule}: ran {ran}"
    assert local_wall(runs_at, "America/New_York") == local, rule


@pytest.mark.mock
def test_tc27_today_is_the_schedules_date(api, mock):
    rule = "BRIEF §0: 'today' is the date in the schedule's zone (23:30Z on 12 Feb is 13 Feb in Lagos)"
    mock.reset("2026-02-12T23:30:00.000Z")
    assert status(api)["today"] == "2026-02-13", rule
    data = expect(api.request("POST", QUEUE, headers=api.auth(code=True), json=multi_queue(2.5)), (201, 400), rule)
    if data.get("success") is False:  # the fixture schedule has one slot; a legacy queue is also fine
        data = queue(api, {"rosPercentage": 2.5, "premiumPoolAmount": 0, "performancePoolAmount": 0}, rule)
    else:
        data = data["data"]
    assert data["today"] == "2026-02-13", rule


@pytest.mark.live_read
def test_tc27_today_equals_the_local_date(api, admin):
    rule = "BRIEF §0: 'today' in the status equals the date in the schedule's zone now"
    zone = (
        ZoneInfo(get_schedule(api)["timezone"])
        if api.request("GET", SCHEDULE, headers=api.auth()).status == 200
        else LAGOS
    )
    before = today_in(zone, now_of(api))
    found = date.fromisoformat(status(api)["today"])
    after = today_in(zone, now_of(api))
    assert found in {before, after}, f"{rule}: got {found}, the local date is {before}"
