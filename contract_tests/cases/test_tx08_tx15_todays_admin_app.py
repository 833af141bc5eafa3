"""TX08-TX15: what today's admin app adds (BRIEF section 10): the platform day, history, details and
export, force-reset, queueing without pools, sign-in that asks for the code, the payout summary."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    FORCE_RESET,
    HISTORY,
    LOGIN,
    PLATFORM_DAY,
    QUEUE,
    THREE_SLOTS,
    details,
    export_rows,
    history,
    multi_queue,
    names_field,
    on_the_mock_a_day_distributed,
    put_schedule,
    queue,
    slot_sums,
    slots,
    status,
)
from ..oracle import formula_pools, money, ros_paid

WALL_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")
ROOTS = ["", "/api/v1"]  # NEXT_PUBLIC_API_URL=http://localhost:5000 or http://localhost:5000/api/v1/
END_OF_DAY = "2026-02-12T22:30:00.000Z"  # after the three Lagos slots of 12 Feb, before its end


def _without_pools(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k not in ("premiumPoolAmount", "performancePoolAmount")}


MULTI_QUEUE_NO_POOLS = _without_pools(multi_queue(1.5, 2.0, 1.0))


# -- TX08 the platform day -----------------------------------------------------------------------
@pytest.mark.live_read
@pytest.mark.parametrize("root", ROOTS, ids=["root", "api-v1"])
def test_tx08_platform_day_is_public(api, root):
    rule = "BRIEF §10: GET {root}/settings/public/platform_day_start_utc, public, {success, data: {key, value}}"
    found = expect(api.request("GET", f"{root}{PLATFORM_DAY}"), 200, rule)["data"]
    check(
        api,
        found["key"] == "platform_day_start_utc"
        and isinstance(found["value"], str)
        and WALL_TIME.match(found["value"]),
        "data.key platform_day_start_utc and data.value a UTC wall time HH:MM:SS",
        rule,
    )


@pytest.mark.mock
@pytest.mark.parametrize(
    ("zone", "start"),
    [("UTC", "00:00:00"), ("Africa/Lagos", "23:00:00"), ("America/New_York", "05:00:00")],
    ids=["utc", "lagos", "new-york-winter"],
)
def test_tx08_platform_day_starts_at_the_schedules_midnight(api, mock, zone, start):
    rule = "contract: platform_day_start_utc is where 'today' starts (local midnight of the schedule's zone), in UTC"
    put_schedule(api, slots((9, 0, 0), timezone=zone))
    for root in ROOTS:
        value = expect(api.request("GET", f"{root}{PLATFORM_DAY}"), 200, rule)["data"]["value"]
        check(api, value == start, f"{root}{PLATFORM_DAY} value {start} for {zone}", rule)
    unknown = api.request("GET", "/settings/public/no_such_setting")
    expect(unknown, 404, "contract: an unknown public setting is 404", code="NOT_FOUND")


# -- TX09-TX11 history, details, export ----------------------------------------------------------
@pytest.mark.live_read
def test_tx09_history_pages_add_up(api, admin):
    rule = "BRIEF §10: history {records, summary?, pagination: {page, limit, total, pages}}, newest first"
    data = history(api, rule, page=1, limit=5)
    records, pages = data["records"], data["pagination"]
    check(api, len(records) <= 5 and pages["page"] == 1 and pages["limit"] == 5, "at most 5 records on page 1", rule)
    check(
        api,
        pages["pages"] == math.ceil(pages["total"] / 5),
        f"pages = ceil(total / limit) = {math.ceil(pages['total'] / 5)}",
        rule,
    )
    dates = [r["date"] for r in records]
    check(api, dates == sorted(dates, reverse=True), f"records newest first: {dates}", rule)
    if "summary" in data:
        check(api, data["summary"]["totalRecords"] == pages["total"], "summary.totalRecords = pagination.total", rule)
    for record in records:
        check(
            api,
            money(record["totalPoolAmount"])
            == money(record["premiumPoolAmount"]) + money(record["performancePoolAmount"]),
            f"{record['date']}: totalPoolAmount = premium + performance",
            rule,
        )


@pytest.mark.live_read
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startDate": "2026-02-20", "endDate": "2026-02-10"}, "startDate"),
        ({"startDate": "2026-02-30"}, "startDate"),
        ({"limit": 0}, "limit"),
        ({"status": "SOMETIMES"}, "status"),
    ],
    ids=["start-after-end", "no-such-date", "limit-0", "unknown-status"],
)
def test_tx09_history_refuses_bad_filters(api, admin, params, field):
    exchange = api.request("GET", HISTORY, headers=api.auth(), params=params)
    found = expect(exchange, 400, "contract: a bad history filter is 400 naming the parameter", code="VALIDATION_ERROR")
    if not names_field(found.get("errors") or [found["message"]], field):
        fail(exchange, f"an errors line naming {field}", "BRIEF §0: one line per problem, naming the field")


@pytest.mark.live_read
def test_tx11_export_is_a_csv_of_the_history(api, admin):
    rule = "BRIEF §10: history/export?format=csv gives a downloadUrl serving the history as CSV"
    rows = export_rows(api, rule)
    total = history(api, rule, limit=1)["pagination"]["total"]
    check(api, len(rows) == total, f"one CSV row per history record ({total}); got {len(rows)}", rule)


@pytest.mark.mock
def test_tx09_tx11_a_simulated_week(api, mock):
    """Seven days queued and run: history, details and export show what the slot cards showed."""
    rule = "BRIEF §10: history and details come from the same days and ledger as today's status"
    put_schedule(api, THREE_SLOTS)
    cards: dict[str, tuple[Decimal, Decimal]] = {}
    for n in range(7):
        day = f"2026-02-{12 + n:02d}"
        queue(api, multi_queue(1.0 + n / 10, 0.5, 0.25, premium=1000 + n, performance=500))
        mock.advance(until=f"{day}T22:30:00.000Z")
        cards[day] = slot_sums(status(api))
        mock.advance(until=f"2026-02-{13 + n:02d}T07:00:00.000Z")
    data = history(api, rule, limit=3)
    check(api, data["pagination"] == {"page": 1, "limit": 3, "total": 7, "pages": 3}, "7 days in 3 pages of 3", rule)
    records = {r["date"]: r for page in (1, 2, 3) for r in history(api, rule, limit=3, page=page)["records"]}
    check(api, sorted(records) == sorted(cards), f"one record per day queued: {sorted(cards)}", rule)
    for day, (ros, pools) in cards.items():
        record = records[day]
        check(
            api,
            record["status"] == "COMPLETED"
            and money(record["stakeRosDistributedUSDT"]) == ros
            and money(record["poolsPaidToQualifiersUSDT"]) == pools,
            f"{day}: COMPLETED, ROS {ros} and pools {pools}, what its slot cards showed",
            rule,
        )
        stats = details(api, day, rule)["execution"]["statistics"]
        check(api, money(stats["ros"]["totalDistributed"]) == ros, f"{day} details: ROS {ros}", rule)
    summary = data["summary"]
    wanted = sum((ros for ros, _ in cards.values()), Decimal(0))
    check(api, money(summary["totalROSDistributed"]) == wanted, f"summary.totalROSDistributed {wanted}", rule)
    week = history(api, rule, startDate="2026-02-14", endDate="2026-02-16")["records"]
    check(api, [r["date"] for r in week] == ["2026-02-16", "2026-02-15", "2026-02-14"], "the 14th-16th only", rule)
    rows = export_rows(api, rule)
    check(
        api,
        [(r["date"], money(r["stakeRosDistributedUSDT"])) for r in rows]
        == [(d, cards[d][0]) for d in sorted(cards, reverse=True)],
        "the CSV: one row per day, newest first, with the slot cards' ROS",
        rule,
    )


# -- TX12 force-reset ----------------------------------------------------------------------------
@pytest.mark.mock
def test_tx12_force_reset_releases_stuck_slots_and_pays_once(api, mock):
    rule = "BRIEF §10: force-reset clears today's stuck EXECUTING/FAILED slots, keeps what was paid, pays nothing twice"
    stakes = mock.active_stakes()
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE_NO_POOLS)
    mock.fault(1, effect="fail")
    mock.fault(2, effect="stuck")
    mock.fault(3, effect="stuck-after-payment")
    mock.advance(until=END_OF_DAY)
    before = {s["slotNumber"]: s["status"] for s in status(api)["distributionSlots"]}
    check(api, before == {1: "FAILED", 2: "EXECUTING", 3: "EXECUTING"}, "slots FAILED, EXECUTING, EXECUTING", rule)
    refused = api.request("POST", FORCE_RESET, headers=api.auth(), json={})
    expect(refused, 403, "BRIEF §10: force-reset is a 2FA route", code="2FA_CODE_REQUIRED")
    expect(api.request("POST", FORCE_RESET, headers=api.auth(), json={"twoFACode": api.code()}), 200, rule)
    after = status(api)
    check(
        api,
        [s["status"] for s in after["distributionSlots"]] == ["COMPLETED"] * 3,
        "every slot COMPLETED after the reset (each ran again at once)",
        rule,
    )
    for slot, ros in zip(after["distributionSlots"], ("1.5", "2.0", "1.0"), strict=True):
        paid = money(slot["executionDetails"]["rosStats"]["totalDistributed"])
        check(
            api, paid == ros_paid(stakes, ros), f"slot {slot['slotNumber']} paying {ros_paid(stakes, ros)} once", rule
        )
    actual = after["distributionTotals"]["actual"]
    wanted = sum((ros_paid(stakes, r) for r in ("1.5", "2.0", "1.0")), Decimal(0))
    check(api, money(actual["stakeRosTotalUSDT"]) == wanted, f"the ledger holding {wanted} of ROS, not more", rule)
    again = expect(api.request("POST", FORCE_RESET, headers=api.auth(code=True), json={}), 200, rule)["data"]
    check(api, again == status(api), "a second force-reset changing nothing", rule)


@pytest.mark.live_distribution
def test_tx12_force_reset_answers_todays_status(api, restore_schedule):
    rule = "BRIEF §10: force-reset (2FA) returns today's status"
    from ..fixtures import token_has_2fa

    if token_has_2fa(api.admin_token()):
        refused = api.request("POST", FORCE_RESET, headers=api.auth(), json={})
        expect(refused, 403, "BRIEF §10: force-reset is a 2FA route", code="2FA_CODE_REQUIRED")
    expect(api.request("POST", FORCE_RESET, headers=api.auth(code=True), json={}), 200, rule)


# -- TX13 queue without pools --------------------------------------------------------------------


@pytest.mark.mock
def test_tx13_queue_without_pools_uses_the_10_percent_rule(api, mock):
    rule = "BRIEF §10: without pool amounts the budget is 10% of the day's scheduled ROS payout, half to each pool"
    stakes = mock.active_stakes()
    premium, performance = formula_pools(stakes, ["1.5", "2.0", "1.0"])
    put_schedule(api, THREE_SLOTS)
    data = queue(api, MULTI_QUEUE_NO_POOLS, rule)
    values, scheduled = data["values"], data["distributionTotals"]["scheduled"]
    check(
        api,
        money(values["premiumPoolAmount"]) == premium and money(values["performancePoolAmount"]) == performance,
        f"premiumPoolAmount {premium} and performancePoolAmount {performance}",
        rule,
    )
    check(
        api,
        money(scheduled["poolBudgetTotalUSDT"]) == premium + performance,
        f"distributionTotals.scheduled.poolBudgetTotalUSDT {premium + performance}",
        rule,
    )
    mock.advance(until=END_OF_DAY)
    _, pools = slot_sums(status(api))
    check(api, pools == premium + performance, f"the day paying {premium + performance} from the pools", rule)
    legacy = {"rosPercentage": 2.5}
    mock.reset()
    data = queue(api, legacy, rule)
    want = formula_pools(stakes, ["2.5"])
    got = (money(data["values"]["premiumPoolAmount"]), money(data["values"]["performancePoolAmount"]))
    check(api, got == want, f"the legacy body without pools: {want}", rule)


@pytest.mark.live_distribution
def test_tx13_queue_without_pools_is_accepted(api, restore_schedule):
    rule = "BRIEF §10: today's app queues without pool amounts; the pools are then split 50/50"
    exchange = api.request("POST", QUEUE, headers=api.auth(code=True), json={"rosPercentage": 0.01})
    if exchange.status == 409:
        pytest.skip("today is already queued on this backend")
    values = expect(exchange, 201, rule)["data"]["values"]
    gap = abs(money(values["premiumPoolAmount"]) - money(values["performancePoolAmount"]))
    check(api, gap <= Decimal("0.01"), "premium and performance pools equal to the cent", rule)


# -- TX14 sign-in that asks for the code ---------------------------------------------------------
@pytest.mark.mock
def test_tx14_sign_in_asks_a_2fa_admin_for_the_code(api, mock):
    rule = "BRIEF §10: a 2FA admin signing in without twoFACode gets 403 2FA_CODE_REQUIRED, then signs in with it"
    api.secrets.remember("Admin123!", "Ops123!")
    for without in ({}, {"twoFACode": ""}):
        exchange = api.request("POST", LOGIN, json={"identifier": "admin", "password": "Admin123!", **without})
        found = expect(exchange, 403, rule, code="2FA_CODE_REQUIRED")
        check(api, "data" not in found, "no token without the code", rule)
    wrong = api.request("POST", LOGIN, json={"identifier": "admin", "password": "wrong"})
    expect(wrong, 401, "BRIEF §0: a wrong password is 401, before any code is asked for", code="UNAUTHORIZED")
    signed = api.request("POST", LOGIN, json={"identifier": "admin", "password": "Admin123!", "twoFACode": api.code()})
    expect(signed, 200, rule)
    plain = api.request("POST", LOGIN, json={"identifier": "ops", "password": "Ops123!"})
    expect(plain, 200, "BRIEF §0: an admin without 2FA signs in without a code")


# -- TX15 the daily payout summary ---------------------------------------------------------------
@pytest.mark.live_read
def test_tx15_payout_summary_is_the_slot_stats(api, admin):
    rule = "BRIEF §10: distributionTotals.actual adds up the slots' stats; scheduled is what was declared"
    on_the_mock_a_day_distributed(api, until="2026-02-12T15:30:00.000Z")  # slots 1 and 2 of 3 run
    today = status(api)
    totals = today.get("distributionTotals")
    if totals is None:
        pytest.skip("no distributionTotals today (nothing queued, or a backend without the card)")
    ros, pools = slot_sums(today)
    actual, scheduled = totals["actual"], totals["scheduled"]
    check(
        api,
        money(actual["stakeRosTotalUSDT"]) == ros and money(actual["poolPaidToQualifiersTotalUSDT"]) == pools,
        f"actual ROS {ros} and pools {pools}, the sums of the slots' stats",
        rule,
    )
    declared = money(today["values"]["premiumPoolAmount"]), money(today["values"]["performancePoolAmount"])
    check(
        api,
        (money(scheduled["premiumPoolScheduledUSDT"]), money(scheduled["performancePoolScheduledUSDT"])) == declared,
        f"scheduled pools {declared}, the day's values",
        rule,
    )
    for slot in today["distributionSlots"]:
        details = slot["executionDetails"]
        if slot["status"] == "COMPLETED" and details and details["executionTimeMs"] < 1:
            fail(api, f"slot {slot['slotNumber']}: a real executionTimeMs (>= 1; 0 shows as a stray 0)", rule)


@pytest.mark.mock
def test_tx15_payout_summary_projects_what_the_day_pays(api, mock):
    rule = "BRIEF §10: the payout summary's projection is what the day then pays"
    stakes = mock.active_stakes()
    put_schedule(api, THREE_SLOTS)
    card = queue(api, MULTI_QUEUE_NO_POOLS)["distributionTotals"]
    full = sum((ros_paid(stakes, r) for r in ("1.5", "2.0", "1.0")), Decimal(0))
    projected = card["projected"]
    check(
        api,
        money(projected["stakeRosFullDayUSDT"]) == full and projected["activeStakesConsidered"] == len(stakes),
        f"projected ROS {full} over {len(stakes)} active stakes",
        rule,
    )
    mock.advance(to="next-slot")
    midway = status(api)["distributionTotals"]
    check(
        api,
        money(midway["projected"]["stakeRosCompletedSlotsUSDT"]) == ros_paid(stakes, "1.5")
        and midway["multiSlot"] == {"completedSlots": 1, "totalSlots": 3, "pendingSlots": 2},
        "after slot 1: its ROS completed, 1 of 3 slots done, 2 pending",
        rule,
    )
    mock.advance(until=END_OF_DAY)
    actual = status(api)["distributionTotals"]["actual"]
    check(
        api,
        money(actual["stakeRosTotalUSDT"]) == full
        and money(actual["poolPaidToQualifiersTotalUSDT"]) == money(projected["poolQualifiersEstimatedUSDT"]),
        f"the day paying the projected ROS {full} and pools {projected['poolQualifiersEstimatedUSDT']}",
        rule,
    )
