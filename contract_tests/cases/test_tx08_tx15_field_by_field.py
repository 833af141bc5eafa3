"""TX08-TX15, field by field (BRIEF section 11): what the history table, the details dialog, the export
link, the payout summary card and the platform day really read, each checked live where it can be."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from ..contract import check, expect, fail
from ..helpers import (
    LEGACY_QUEUE,
    MULTI_QUEUE,
    PLATFORM_DAY,
    SCHEDULE,
    STATUS,
    THREE_SLOTS,
    details,
    details_path,
    download,
    export_link,
    export_rows,
    history,
    now_of,
    on_the_mock_a_finished_day_and_an_open_one,
    put_schedule,
    queue,
    slot_stats,
    statistics_of,
    status,
)
from ..oracle import money, platform_day_start, ros_paid

FINISHED = {"COMPLETED", "FAILED"}
OPEN = {"PENDING", "EXECUTING"}
ABSOLUTE = re.compile(r"^https?://[^/?#]+")
PARTS = ("scheduled", "actual", "projected", "multiSlot")
END_OF_12TH = "2026-02-12T22:30:00.000Z"  # after the three Lagos slots of 12 Feb, before its end
WIRE = {"ros": "ros.totalDistributed", "stakes": "ros.processedStakes", "premium": "premiumPool.totalDistributed",
        "premiumUsers": "premiumPool.usersReceived", "performance": "performancePool.totalDistributed",
        "performanceUsers": "performancePool.usersReceived"}  # fmt: skip


def stable_today(api) -> tuple[dict, dict | None]:
    """Today's status, and today's details read while it stood still (None: it moved on meanwhile, or
    nothing is queued): a live day's slot may finish between two reads."""
    before = status(api)
    if before["status"] == "EMPTY":
        return before, None
    exchange = api.request("GET", details_path(before["today"]), headers=api.auth())
    found = expect(exchange, 200, "BRIEF §11: a day still open answers its details by URL")["data"]
    after = status(api)
    if _slot_states(after) != _slot_states(before):
        return after, None
    return before, found


def check_statistics(api, found: dict, wanted: dict, where: str, rule: str) -> None:
    """The details dialog's statistics are objects carrying ``wanted`` (``slot_stats``' form)."""
    stats = statistics_of(found)
    if stats is None:
        fail(api, f"{where}: execution.statistics once a slot has finished", rule)
    wrong = [f"{WIRE[key]} {wanted[key]} (got {stats[key]})" for key in wanted if stats[key] != wanted[key]]
    check(api, not wrong, f"{where}: statistics.{', statistics.'.join(wrong)}", rule)
    total = stats["ros"] + stats["premium"] + stats["performance"]
    check(api, stats["total"] == total, f"{where}: statistics.totalDistributed {total}, ROS plus both pools", rule)


# -- TX08 the platform day, live -------------------------------------------------------------------
@pytest.mark.live_read
def test_tx08_platform_day_is_the_saved_zones_midnight(api, admin):
    rule = (
        "BRIEF §10/§11: platform_day_start_utc is the local midnight of the saved schedule's zone at the "
        "start of today, as a UTC wall time (Africa/Lagos 23:00:00, UTC 00:00:00)"
    )
    if api.is_mock:
        put_schedule(api, THREE_SLOTS)  # Africa/Lagos
    moments = [now_of(api)]
    schedule = api.request("GET", SCHEDULE, headers=api.auth())
    if schedule.status == 404:
        pytest.skip("the backend has no schedule configured, so no zone to start the day in")
    zone = expect(schedule, 200, "BRIEF §2")["data"]["timezone"]
    value = expect(api.request("GET", PLATFORM_DAY), 200, rule)["data"]["value"]
    moments.append(now_of(api))  # a live backend read "now" between our two readings of the clock
    wanted = sorted({platform_day_start(zone, at) for at in moments})
    check(api, value in wanted, f"value {' or '.join(wanted)}: midnight in {zone} today, in UTC", rule)


# -- TX09 the history table: finished days only ----------------------------------------------------
@pytest.mark.live_read
def test_tx09_history_lists_finished_days_only(api, admin):
    rule = (
        "BRIEF §11: the history lists finished days only (COMPLETED when every slot completed, else FAILED); "
        "each record's poolRecipientsCount counts the investors paid from either pool"
    )
    on_the_mock_a_finished_day_and_an_open_one(api)
    before = status(api)
    records = history(api, rule, limit=100)["records"]
    listed = api.last
    after = status(api)
    for record in records:
        check(listed, record["status"] in FINISHED, f"{record['date']}: status COMPLETED or FAILED", rule)
        count = record["poolRecipientsCount"]
        check(
            listed,
            type(count) is int and 0 <= count <= record["usersCount"],
            f"{record['date']}: an integer poolRecipientsCount, at most usersCount {record['usersCount']}",
            rule,
        )
    if before["today"] != after["today"] or _slot_states(before) != _slot_states(after):
        return  # today moved on while the history was read: nothing to say of it
    mine = [r for r in records if r["date"] == before["today"]]
    states = _slot_states(before)
    if before["status"] in OPEN or "PENDING" in states:
        check(listed, not mine, f"today {before['today']}, still open ({before['status']}), not listed", rule)
    elif mine and states:
        wanted = "COMPLETED" if set(states) == {"COMPLETED"} else "FAILED"
        check(listed, mine[0]["status"] == wanted, f"today's record {wanted}, as its slots finished {states}", rule)


def _slot_states(today: dict) -> list[str]:
    return [s["status"] for s in today["distributionSlots"]]


@pytest.mark.live_read
@pytest.mark.parametrize("wanted", sorted(FINISHED))
def test_tx09_the_status_filter_takes_completed_and_failed(api, admin, wanted):
    rule = "BRIEF §11: the history's filter offers All, Completed and Failed"
    on_the_mock_a_finished_day_and_an_open_one(api)
    records = history(api, rule, status=wanted, limit=100)["records"]
    check(api, all(r["status"] == wanted for r in records), f"only {wanted} records", rule)


def _three_finished_days(api, mock) -> None:
    """12 Feb with slot 2 failing (FAILED), 13 and 14 Feb run whole (COMPLETED); the clock then on 15 Feb."""
    put_schedule(api, THREE_SLOTS)
    for day, fails in (("12", True), ("13", False), ("14", False)):
        queue(api, MULTI_QUEUE)
        if fails:
            mock.fault(2, error="Wallet service unavailable")
        mock.advance(until=f"2026-02-{day}T22:30:00.000Z")
        mock.advance(until=f"2026-02-{int(day) + 1}T07:00:00.000Z")


@pytest.mark.mock
def test_tx09_an_open_day_waits_for_its_end(api, mock):
    rule = "BRIEF §11: a day still open is not listed until every slot finished; its details answer by URL"
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    mock.fault(2, error="Wallet service unavailable")
    mock.advance(to="next-slot")
    check(api, history(api, rule)["records"] == [], "no record while slots 2 and 3 are PENDING", rule)
    found = details(api, "2026-02-12", rule)
    check(api, found["status"] == "PENDING", "details of the open day with status PENDING", rule)
    mock.advance(until=END_OF_12TH)
    day = status(api)
    records = history(api, rule)["records"]
    check(api, [r["date"] for r in records] == ["2026-02-12"], "the 12th listed once its last slot finished", rule)
    record = records[0]
    check(api, record["status"] == "FAILED", "the 12th FAILED: its slot 2 failed", rule)
    slot = day["distributionSlots"][0]["executionDetails"]
    premium, performance = (slot[f"{p}PoolStats"]["usersReceived"] for p in ("premium", "performance"))
    count = record["poolRecipientsCount"]
    check(
        api,
        max(premium, performance) <= count <= min(premium + performance, record["usersCount"]),
        f"poolRecipientsCount {count}: at least either pool's {max(premium, performance)} users, at most both "
        f"pools' {premium + performance} and usersCount {record['usersCount']}",
        "BRIEF §11: poolRecipientsCount counts the distinct investors paid from either pool",
    )


@pytest.mark.mock
def test_tx09_status_filter_on_finished_days(api, mock):
    rule = "BRIEF §11: COMPLETED when every slot completed, FAILED otherwise; the status filter picks them"
    _three_finished_days(api, mock)
    every = [(r["date"], r["status"]) for r in history(api, rule)["records"]]
    wanted = [("2026-02-14", "COMPLETED"), ("2026-02-13", "COMPLETED"), ("2026-02-12", "FAILED")]
    check(api, every == wanted, f"the records {wanted}", rule)
    for kind in sorted(FINISHED):
        picked = [(r["date"], r["status"]) for r in history(api, rule, status=kind)["records"]]
        check(api, picked == [w for w in wanted if w[1] == kind], f"status={kind}: its records only", rule)


# -- TX10 the details dialog: statistics objects, the same figures as the record and the slots -----
@pytest.mark.live_read
def test_tx10_details_agree_with_the_history_and_the_slots(api, admin):
    rule = "BRIEF §11: details' statistics are objects, the day's finished slots' stats summed, as its record"
    on_the_mock_a_finished_day_and_an_open_one(api)
    missing = api.request("GET", details_path("1999-01-01"), headers=api.auth())
    expect(missing, 404, "contract: details of a date with nothing distributed is 404", code="NOT_FOUND")
    for record in history(api, rule, limit=20)["records"]:
        found = details(api, record["date"], rule)
        day = record["date"]
        check(api, found["date"] == day and found["status"] == record["status"], f"{day}: its record's status", rule)
        ros, pools = money(record["stakeRosDistributedUSDT"]), money(record["poolsPaidToQualifiersUSDT"])
        stats = statistics_of(found)
        if stats is None:
            check(api, ros == pools == 0, f"{day}: statistics, since its record paid ROS {ros} and pools {pools}", rule)
            continue
        check_statistics(api, found, {"ros": ros}, day, rule)
        check(
            api,
            stats["premium"] + stats["performance"] == pools,
            f"{day}: statistics premiumPool + performancePool = the record's poolsPaidToQualifiersUSDT {pools}",
            rule,
        )
    today, found = stable_today(api)
    if found is None:
        return
    where = f"today {today['today']}"
    check(api, found["status"] == today["status"], f"{where}: details with today's status {today['status']}", rule)
    if any(s["status"] in FINISHED for s in today["distributionSlots"]):
        check_statistics(api, found, slot_stats(today), where, rule)


@pytest.mark.mock
def test_tx10_details_before_and_after_the_day_is_archived(api, mock):
    rule = "BRIEF §11: the details dialog reads statistics objects, the same figures as the slots and the record"
    put_schedule(api, THREE_SLOTS)
    queue(api, MULTI_QUEUE)
    mock.advance(until="2026-02-12T15:30:00.000Z")  # slots 1 and 2 of 3 run
    midway = status(api)
    check_statistics(api, details(api, "2026-02-12", rule), slot_stats(midway), "slots 1 and 2 run", rule)
    mock.advance(until=END_OF_12TH)
    whole = slot_stats(status(api))
    ended = details(api, "2026-02-12", rule)
    check_statistics(api, ended, whole, "the day run", rule)
    record = history(api, rule)["records"][0]
    check(
        api,
        money(record["stakeRosDistributedUSDT"]) == whole["ros"]
        and money(record["poolsPaidToQualifiersUSDT"]) == whole["premium"] + whole["performance"],
        f"the record's ROS {whole['ros']} and pools {whole['premium'] + whole['performance']}, as the details",
        rule,
    )
    mock.advance(until="2026-02-13T07:00:00.000Z")  # the day ended: archived
    check(api, details(api, "2026-02-12", rule) == ended, "the archived day's details unchanged", rule)


# -- TX11 the export link: absolute, and the history's filters -------------------------------------
@pytest.mark.live_read
def test_tx11_the_download_url_is_absolute(api, admin):
    rule = "BRIEF §11: downloadUrl is absolute (window.open resolves a relative one against the app's origin)"
    url = export_link(api, rule)
    if not ABSOLUTE.match(url):
        fail(api, f"an absolute http(s) downloadUrl, not {url!r}", rule)
    if api.is_mock:
        base, link = urlsplit(str(api.client.base_url)), urlsplit(url)
        origin = f"{base.scheme}://{base.netloc}"
        check(api, (link.scheme, link.netloc) == (base.scheme, base.netloc), f"on the origin asked, {origin}", rule)
    code, _ = download(api, url)
    check(api, code == 200, f"the link answering 200 (it answered {code})", rule)


@pytest.mark.mock
@pytest.mark.parametrize(
    "filters",
    [{}, {"startDate": "2026-02-13"}, {"endDate": "2026-02-13"}, {"status": "FAILED"},
     {"status": "COMPLETED", "startDate": "2026-02-14", "endDate": "2026-02-14"}],
    ids=["none", "from-13th", "to-13th", "failed", "completed-14th"],
)  # fmt: skip
def test_tx11_the_export_honours_the_filters(api, mock, filters):
    rule = "BRIEF §11: the export honours startDate, endDate and status: the history's rows with the same filters"
    _three_finished_days(api, mock)
    wanted = [
        (r["date"], r["status"], money(r["stakeRosDistributedUSDT"])) for r in history(api, rule, **filters)["records"]
    ]
    rows = [(r["date"], r["status"], money(r["stakeRosDistributedUSDT"])) for r in export_rows(api, rule, **filters)]
    check(api, rows == wanted, f"the CSV's rows {wanted}", rule)


# -- TX15 the payout summary card: all four parts whenever a day is queued --------------------------
def check_four_parts(api, today: dict, rule: str) -> dict:
    totals = today.get("distributionTotals") or {}
    missing = [part for part in PARTS if not isinstance(totals.get(part), dict)]
    if missing:
        fail(api, f"distributionTotals with {', '.join(PARTS)} (missing: {', '.join(missing)})", rule)
    slots = today["distributionSlots"]
    counts = {
        "completedSlots": sum(s["status"] == "COMPLETED" for s in slots),
        "totalSlots": len(slots),
        "pendingSlots": sum(s["status"] == "PENDING" for s in slots),
    }
    check(api, totals["multiSlot"] == counts, f"multiSlot {counts}, the day's slots counted", rule)
    return totals


@pytest.mark.live_read
def test_tx15_a_queued_day_shows_all_four_parts(api, admin):
    rule = "BRIEF §11: whenever a day is queued, distributionTotals carries scheduled, actual, projected, multiSlot"
    on_the_mock_a_finished_day_and_an_open_one(api)
    today = status(api)
    if today["status"] == "EMPTY":
        pytest.skip("nothing is queued today on this backend")
    check_four_parts(api, today, rule)


@pytest.mark.mock
def test_tx15_the_single_slot_day_shows_all_four_parts(api, mock):
    rule = "BRIEF §11: the legacy single-slot day too carries all four parts of distributionTotals"
    stakes = mock.active_stakes()
    queued = queue(api, LEGACY_QUEUE, rule)
    totals = check_four_parts(api, queued, rule)
    full = ros_paid(stakes, "2.5")
    check(api, money(totals["projected"]["stakeRosFullDayUSDT"]) == full, f"projected ROS {full}", rule)
    mock.advance(until="2026-02-12T15:00:00.000Z")  # its one slot, 15:59:59 Lagos, has run
    exchange = api.request("GET", STATUS, headers=api.auth())
    ran = expect(exchange, 200, rule)["data"]
    totals = check_four_parts(exchange, ran, rule)
    check(api, money(totals["actual"]["stakeRosTotalUSDT"]) == full, f"actual ROS {full} once run", rule)
    left = money(totals["projected"]["stakeRosRemainingSlotsUSDT"])
    check(api, left == Decimal(0), f"projected stakeRosRemainingSlotsUSDT 0 once its slot ran (got {left})", rule)
