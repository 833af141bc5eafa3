"""TC21-TC27: slots executing on the clock: lifecycle, payouts, faults, disabled days, schedule and
timezone changes, DST, and which day is "today"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import pytest

from ..contract import check
from ..helpers import (
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
from ..oracle import CENT, local_date, money, parse_instant, ros_paid, wire_instant

LAGOS = ZoneInfo("Africa/Lagos")
END_OF_DAY = "2026-02-12T22:30:00.000Z"  # 23:30 in Lagos


def active_stakes(mock) -> list[Decimal]:
    """The amounts of the mock's active stakes (these cases are mock-only); the arithmetic is ours."""
    return mock.active_stakes()


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
        moved = [(r["slotNumber"], r["transitions"]) for r in ran]
        check(
            None,
            moved == [(number, ["PENDING", "EXECUTING", "COMPLETED"])],
            f"slot {number} alone moving PENDING -> EXECUTING -> COMPLETED (the clock move ran {moved})",
            rule,
        )
        at = by_slot(day)[number]["scheduledFor"]
        check(None, ran[0]["at"] == at, f"slot {number} running at its scheduledFor {at}, not {ran[0]['at']}", rule)
        now = status(api)
        states = {n: s["status"] for n, s in by_slot(now).items()}
        wanted = {n: ("COMPLETED" if n <= number else "PENDING") for n in (1, 2, 3)}
        check(api, states == wanted, f"slot statuses {wanted}", rule)
        overall = "COMPLETED" if number == 3 else "PENDING"
        check(api, now["status"] == overall, f"overall status {overall}", "BRIEF §7: the overall status rule")
        finished = by_slot(now)[number]["executionDetails"]
        check(
            api,
            finished["executedAt"] == ran[0]["at"] and finished["error"] is None,
            f"slot {number} executionDetails with executedAt {ran[0]['at']} and error null",
            rule,
        )
        check(
            api,
            now["lastExecution"]["executedAt"] == finished["executedAt"]
            and now["lastExecution"]["rosStats"] == finished["rosStats"],
            f"lastExecution equal to slot {number}'s execution",
            "BRIEF §7: lastExecution is the latest finished slot",
        )
        if number < 3:
            check(
                api,
                now["scheduledFor"] == by_slot(now)[number + 1]["scheduledFor"],
                f"scheduledFor of slot {number + 1}",
                "BRIEF §7: scheduledFor is the earliest PENDING slot's time",
            )
    last = by_slot(day)[3]["scheduledFor"]
    check(
        api,
        status(api)["scheduledFor"] == last,
        f"scheduledFor {last}",
        "BRIEF §7: the last slot's time once none is pending",
    )


@pytest.mark.mock
def test_tc22_every_slot_pays_every_active_stake(api, mock):
    rule = "BRIEF §6: each slot pays every active stake amount x ROS / 100 (slot 2 as many as slot 1), half-up cents"
    stakes = active_stakes(mock)
    three_slot_day(api)
    mock.advance(until=END_OF_DAY)
    read = status(api)
    for number, ros in ((1, "1.5"), (2, "2.0"), (3, "1.0")):
        stats = by_slot(read)[number]["executionDetails"]["rosStats"]
        check(
            api,
            stats["processedStakes"] == len(stakes),
            f"slot {number} paying all {len(stakes)} active stakes (it paid {stats['processedStakes']})",
            rule,
        )
        expected = ros_paid(stakes, ros)
        check(
            api,
            money(stats["totalDistributed"]) == expected,
            f"slot {number} paying {expected} in total (it paid {stats['totalDistributed']})",
            rule,
        )


def _tie_breaking_ros(stakes: list[Decimal]) -> str:
    """A slot ROS at which half-up and half-even cents give different totals for these stakes."""
    for candidate in ("0.0005", "0.0025", "0.0125", "0.0375", "0.1005", "0.2525"):
        ros = Decimal(candidate)
        even = sum(((a * ros / 100).quantize(CENT, rounding=ROUND_HALF_EVEN) for a in stakes), Decimal(0))
        if even != ros_paid(stakes, ros):
            return candidate
    raise AssertionError("no ROS separates half-up from half-even for these stakes")  # pragma: no cover


@pytest.mark.mock
def test_tc22_cents_are_rounded_half_up(api, mock):
    rule = "BRIEF §0: amounts are rounded half-up to 2 places when stored (each stake's payment is stored)"
    stakes = active_stakes(mock)
    ros = _tie_breaking_ros(stakes)
    put_schedule(api, slots((9, 0, 0)))
    queue(api, multi_queue(float(ros)))
    mock.advance(until=END_OF_DAY)
    stats = status(api)["distributionSlots"][0]["executionDetails"]["rosStats"]
    expected = ros_paid(stakes, ros)
    check(
        api,
        money(stats["totalDistributed"]) == expected,
        f"ROS {ros}% of every stake, each rounded half-up, adding up to {expected} "
        f"(it paid {stats['totalDistributed']})",
        rule,
    )


@pytest.mark.mock
@pytest.mark.parametrize("how", ["racing-movers", "concurrent-requests"])
def test_tc22_concurrent_clock_moves_pay_once(api, mock, how):
    rule = "BRIEF §6: at most one payment per (stake, date, slot), however many clock moves race"
    stakes = active_stakes(mock)
    three_slot_day(api)
    if how == "racing-movers":  # 16 movers plan together, then race to claim each slot: the claims overlap
        ran = sorted(r["slotNumber"] for r in mock.advance(until=END_OF_DAY, racers=16))
    else:  # 16 clock moves sent at once, as 16 browser tabs would
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(lambda _: mock.advance(until=END_OF_DAY), range(16)))
        ran = sorted(r["slotNumber"] for batch in results for r in batch)
    check(None, ran == [1, 2, 3], f"slots 1, 2, 3 each run once by 16 racing clock moves (they ran {ran})", rule)
    read = status(api)
    paid = sum(
        (money(s["executionDetails"]["rosStats"]["totalDistributed"]) for s in read["distributionSlots"]), Decimal(0)
    )
    expected = sum((ros_paid(stakes, ros) for ros in ("1.5", "2.0", "1.0")), Decimal(0))
    check(
        api,
        read["status"] == "COMPLETED" and paid == expected,
        f"the day COMPLETED having paid {expected} once (it paid {paid})",
        rule,
    )


@pytest.mark.mock
def test_tc23_a_failed_slot(api, mock):
    rule = "BRIEF §6/§7: a failing slot is FAILED with its error; the others are unaffected; overall FAILED"
    three_slot_day(api)
    mock.fault(2, error="Wallet service unavailable")
    mock.advance(until=END_OF_DAY)
    read = status(api)
    slots_now = by_slot(read)
    check(
        api,
        slots_now[2]["status"] == "FAILED"
        and slots_now[2]["executionDetails"]["error"] == "Wallet service unavailable",
        "slot 2 FAILED with the injected error",
        rule,
    )
    check(api, slots_now[1]["status"] == slots_now[3]["status"] == "COMPLETED", "slots 1 and 3 COMPLETED", rule)
    count = len(active_stakes(mock))
    check(
        api,
        slots_now[3]["executionDetails"]["rosStats"]["processedStakes"] == count,
        f"slot 3 paying all {count} active stakes",
        rule,
    )
    check(api, read["status"] == "FAILED", "overall status FAILED", "BRIEF §7: any FAILED -> FAILED")


@pytest.mark.mock
def test_tc24_disabled_schedule(api, mock):
    rule = (
        "BRIEF §4/§6: queueing works while disabled; nothing runs; re-enabling runs what is due; day end fails the rest"
    )
    put_schedule(api, THREE_SLOTS)
    toggle(api, False)
    queue(api, multi_queue(1.5, 2.0, 1.0))
    ran = mock.advance(until="2026-02-12T09:00:00.000Z")  # past slot 1 (08:00Z)
    check(
        api,
        ran == [] and by_slot(status(api))[1]["status"] == "PENDING",
        f"nothing running while disabled (the clock move ran {ran})",
        rule,
    )
    toggle(api, True)
    check(api, by_slot(status(api))[1]["status"] == "COMPLETED", "re-enabling running the due slot 1", rule)
    toggle(api, False)
    mock.advance(until="2026-02-12T22:00:00.000Z")  # 23:00 Lagos: slots 2 and 3 due, still disabled
    states = [s["status"] for s in status(api)["distributionSlots"]]
    check(api, states == ["COMPLETED", "PENDING", "PENDING"], "slots 2 and 3 still PENDING while disabled", rule)
    ended = mock.advance(until="2026-02-13T01:00:00.000Z")  # past the Lagos day's end
    check(
        None,
        [(r["slotNumber"], r["status"]) for r in ended] == [(2, "FAILED"), (3, "FAILED")]
        and all(r["error"].startswith("Not executed") for r in ended)
        and all(r["at"] == "2026-02-12T23:00:00.000Z" for r in ended),
        f"slots 2 and 3 FAILED 'Not executed: ...' at the day's end 2026-02-12T23:00:00.000Z (got {ended})",
        rule,
    )
    toggle(api, True)
    late = mock.advance(3600)
    check(None, late == [], f"no slot of the day before running (paid a day late): {late}", rule)


@pytest.mark.mock
def test_tc25_schedule_change_after_queueing(api, mock):
    rule = "BRIEF §3/§6: a queued day keeps its slot times; the next day's queue uses the new schedule"
    day = three_slot_day(api)
    put_schedule(api, slots((10, 0, 0), (12, 0, 0), (14, 0, 0), (16, 0, 0), (18, 0, 0)))
    ran = mock.advance(until=END_OF_DAY)
    queued = [s["scheduledFor"] for s in day["distributionSlots"]]
    check(None, [r["at"] for r in ran] == queued, f"today's slots running at their queued times {queued}", rule)
    read = status(api)
    check(api, read["status"] == "COMPLETED" and len(read["distributionSlots"]) == 3, "3 slots COMPLETED", rule)
    mock.advance(until="2026-02-13T07:00:00.000Z")
    tomorrow = queue(api, multi_queue(1, 1, 1, 1, 1))
    times = [s["scheduledTime"] for s in tomorrow["distributionSlots"]]
    check(
        api,
        tomorrow["today"] == "2026-02-13" and times == ["10:00:00", "12:00:00", "14:00:00", "16:00:00", "18:00:00"],
        "tomorrow (2026-02-13) queued on the new 5-slot schedule",
        rule,
    )


@pytest.mark.mock
def test_tc26_timezone_change_shifts_next_executions(api, mock):
    rule = "BRIEF §2/§3: moving the schedule's zone moves every next execution by the zones' offset difference"
    utc = put_schedule(api, slots((9, 0, 0), (15, 0, 0), timezone="UTC"))
    la = put_schedule(api, slots((9, 0, 0), (15, 0, 0), timezone="America/Los_Angeles"))
    shift = {e["slotNumber"]: parse_instant(e["scheduledFor"]) for e in la["nextExecutions"]}
    for entry in utc["nextExecutions"]:
        moved = shift[entry["slotNumber"]] - parse_instant(entry["scheduledFor"])
        check(
            api,
            moved % timedelta(days=1) == timedelta(hours=8),
            f"slot {entry['slotNumber']} moved by 8 hours (it moved {moved})",
            rule,
        )
    check(api, la["timezoneOffset"] == "-08:00", "timezoneOffset -08:00 in February", rule)


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
    check(
        api,
        data["distributionSlots"][0]["scheduledFor"] == runs_at,
        f"scheduledFor {runs_at} ({local} local)",
        rule,
    )
    ran = mock.advance(until=wire_instant(parse_instant(runs_at) + timedelta(hours=3)))
    check(
        None,
        [(r["slotNumber"], r["at"]) for r in ran] == [(1, runs_at)],
        f"slot 1 running once at {runs_at}: ran {ran}",
        rule,
    )
    check(None, local_wall(runs_at, "America/New_York") == local, f"{runs_at} is {local} in New York", rule)


@pytest.mark.mock
def test_tc27_today_is_the_schedules_date(api, mock):
    rule = "BRIEF §0: 'today' is the date in the schedule's zone (23:30Z on 12 Feb is 13 Feb in Lagos)"
    mock.reset("2026-02-12T23:30:00.000Z")
    put_schedule(api, slots((9, 0, 0), timezone="Africa/Lagos"))  # whatever the fixtures' zone
    check(api, status(api)["today"] == "2026-02-13", "today 2026-02-13", rule)
    data = queue(api, multi_queue(2.5), rule)
    check(api, data["today"] == "2026-02-13", "the queue accepted for today 2026-02-13", rule)


@pytest.mark.live_read
def test_tc27_today_equals_the_local_date(api, admin):
    rule = "BRIEF §0: 'today' in the status equals the date in the schedule's zone now"
    zone = (
        ZoneInfo(get_schedule(api)["timezone"])
        if api.request("GET", SCHEDULE, headers=api.auth()).status == 200
        else LAGOS
    )
    before = local_date(zone, now_of(api))
    found = date.fromisoformat(status(api)["today"])
    after = local_date(zone, now_of(api))
    check(api, found in {before, after}, f"today {before}, the date in {zone.key} now", rule)
