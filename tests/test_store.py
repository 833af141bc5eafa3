"""The store's repositories, on mongomock, as a user of the mock would notice them: a slot is claimed
and paid once, faults are taken once, the last ``EXPORTS_KEPT`` exports stay, ended days move to the
archive and out of it a year on, a reset or a snapshot brings back exactly what it should."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal

import mongomock
import pytest

from mock_server.domain.distribution import Payment, plan_day
from mock_server.domain.schedule import parse_iso, to_iso
from mock_server.resources import FIXTURES_DIR
from mock_server.state.archive import ARCHIVE_WINDOW_DAYS, FORGET_SLACK_DAYS
from mock_server.state.fixtures import load
from mock_server.state.store import EXPORTS_KEPT, DuplicateKeyError, Store

FIXTURES = load(FIXTURES_DIR)
ADMIN, OPS = "65c9f0a1b2c3d4e5f6a70001", "65c9f0a1b2c3d4e5f6a70002"  # fixtures/identities.yaml
THREE_SLOTS = {
    "settingType": "daily_distribution",
    "timezone": "UTC",
    "isEnabled": True,
    "schedules": [
        {"slotNumber": n, "hour": hour, "minute": 0, "second": 0, "label": f"slot {n}"}
        for n, hour in ((1, 9), (2, 15), (3, 21))
    ],
}
QUEUE = {
    "multiSlotEnabled": True,
    "rosPercentage": 3,
    "premiumPoolAmount": 300,
    "performancePoolAmount": 150,
    "distributionSlots": [{"slotNumber": n, "rosPercentage": 1} for n in (1, 2, 3)],
}


@pytest.fixture
def store() -> Store:
    store = Store(mongomock.MongoClient().db)
    store.reset(FIXTURES)
    store.schedule.save(THREE_SLOTS)
    return store


def queue(store: Store, day: str) -> list[dict]:
    """``day`` queued as the queue route does; its slots."""
    at = datetime.fromisoformat(f"{day}T06:00:00+00:00")
    day_doc, slots = plan_day(QUEUE, store.schedule.in_force(), date.fromisoformat(day), at)
    store.days.insert(day_doc, slots)
    return store.days.slots_of(day)


def finish(store: Store, day: str, status: str = "COMPLETED") -> None:
    for slot in store.days.slots_of(day):
        assert store.days.claim_slot(day, slot["slotNumber"]) is not None
        if status == "COMPLETED":
            store.ledger.record(day, slot["slotNumber"], [Payment("ros", "stake-x", Decimal("1.25"))])
        store.days.finish_slot(day, slot["slotNumber"], status, {"executedAt": slot["scheduledFor"]})


def test_one_queue_a_day(store):
    queue(store, "2026-03-02")
    with pytest.raises(DuplicateKeyError):
        queue(store, "2026-03-02")
    assert [slot["status"] for slot in store.days.slots_of("2026-03-02")] == ["PENDING"] * 3


def test_a_slot_is_claimed_exactly_once_even_by_racing_threads(store):
    queue(store, "2026-03-02")
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(lambda _: store.days.claim_slot("2026-03-02", 2), range(32)))
    assert sum(claim is not None for claim in claims) == 1
    assert [slot["status"] for slot in store.days.slots_of("2026-03-02")] == ["PENDING", "EXECUTING", "PENDING"]
    assert [slot["slotNumber"] for slot in store.days.pending_slots()] == [1, 3]


def test_a_claim_on_a_slot_edited_since_it_was_read_takes_the_slot_as_it_is_now(store):
    (as_read, *_) = queue(store, "2026-03-02")
    assert store.days.update_pending_slot("2026-03-02", 1, {"rosPercentage": "2"})
    claimed = store.days.claim_slot("2026-03-02", 1, as_read=as_read)
    assert claimed["status"] == "EXECUTING" and claimed["rosPercentage"] == "2"
    assert store.days.claim_slot("2026-03-02", 1, as_read=as_read) is None
    assert not store.days.update_pending_slot("2026-03-02", 1, {"rosPercentage": "3"})  # no longer PENDING


def test_a_finished_slot_reads_back_its_execution_and_force_reset_releases_only_stuck_ones(store):
    queue(store, "2026-03-02")
    store.days.claim_slot("2026-03-02", 1)
    store.days.finish_slot("2026-03-02", 1, "COMPLETED", {"executedAt": "x", "executionTimeMs": 3})
    store.days.claim_slot("2026-03-02", 2)  # stuck EXECUTING
    store.days.claim_slot("2026-03-02", 3, "FAILED")
    first, *_ = store.days.slots_of("2026-03-02")
    assert first["executionDetails"] == {"executedAt": "x", "executionTimeMs": 3}
    assert store.days.release_stuck("2026-03-02") == [2, 3]
    assert [slot["status"] for slot in store.days.slots_of("2026-03-02")] == ["COMPLETED", "PENDING", "PENDING"]


def test_the_ledger_pays_a_slot_once_and_sums_what_it_paid(store):
    paid = [Payment("ros", "stake-1", Decimal("10.00")), Payment("premium", "user-1", Decimal("0.10"))]
    assert store.ledger.record("2026-03-02", 1, paid)
    assert not store.ledger.record("2026-03-02", 1, [Payment("ros", "stake-1", Decimal("99"))])
    assert store.ledger.record("2026-03-02", 2, [Payment("ros", "stake-2", Decimal("0.05"))])
    (entry, _) = store.ledger.entries("2026-03-02")
    assert entry == {"date": "2026-03-02", "slotNumber": 1, "ros": {"stake-1": "10.00"},
                     "premium": {"user-1": "0.10"}, "performance": {}}  # fmt: skip
    assert store.ledger.paid("2026-03-02") == {"ros": Decimal("10.05"), "premium": Decimal("0.10"),
                                                "performance": Decimal(0)}  # fmt: skip
    summary = store.ledger.summaries(["2026-03-02"])["2026-03-02"]
    assert (summary["usersPaid"], summary["poolRecipients"]) == (3, 1)  # unknown stakes count as their own payee


def test_a_paid_total_handed_out_is_the_callers_own(store):
    store.ledger.record("2026-03-02", 1, [Payment("ros", "stake-1", Decimal("10.00"))])
    store.ledger.paid("2026-03-02")["ros"] = Decimal(0)
    assert store.ledger.paid("2026-03-02")["ros"] == Decimal("10.00")


def test_an_armed_fault_is_taken_once_and_only_by_its_slot(store):
    assert not store.faults.any_armed() and store.faults.take(2) is None
    store.faults.add(2, 1, "boom", "stuck")
    assert store.faults.any_armed()
    assert store.faults.take(1) is None
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = [found for found in pool.map(lambda _: store.faults.take(2), range(16)) if found]
    assert taken == [{"error": "boom", "effect": "stuck"}]
    assert not store.faults.any_armed() and store.faults.armed() == []


def test_a_route_fault_is_used_as_many_times_as_armed_then_cleared(store):
    armed = store.faults.add_route({"operationId": "getCronStatus", "status": 503, "times": 2})
    assert store.faults.any_route() and [fault["_id"] for fault in store.faults.routes()] == [armed["_id"]]
    assert [store.faults.take_route(armed["_id"]) for _ in range(3)] == [True, True, False]
    assert not store.faults.any_route()
    store.faults.add(1, 5, "boom")
    store.faults.add_route({"operationId": "getCronStatus", "status": 503, "times": None})
    assert store.faults.clear() == 2  # the armed ones; the used-up route fault goes uncounted
    assert not store.faults.any_route() and not store.faults.any_armed()


def test_the_last_exports_are_kept(store):
    for n in range(EXPORTS_KEPT + 5):
        store.exports.add(f"e{n}", f"csv {n}", f"2026-03-02T10:00:{n:02d}.000Z")
    kept = [n for n in range(EXPORTS_KEPT + 5) if store.exports.text(f"e{n}") is not None]
    assert kept == list(range(5, EXPORTS_KEPT + 5))
    assert store.exports.text("e24") == "csv 24"


def test_an_ended_day_moves_to_the_archive_with_its_slots_and_ledger_summary(store):
    queue(store, "2026-03-02")
    queue(store, "2026-03-03")
    finish(store, "2026-03-02")
    assert store.archive.ended("2026-03-02T23:59:59.000Z") == 0  # not ended yet
    assert store.archive.ended("2026-03-03T00:00:00.000Z") == 1  # 03-03 is still open
    assert store.days.open("2026-03-02") is None and store.ledger.entries("2026-03-02") == []
    archived = store.days.distributed("2026-03-02")
    assert archived["ledger"] == {"paid": {"ros": "3.75", "premium": "0", "performance": "0"},
                                  "usersPaid": 1, "poolRecipients": 0}  # fmt: skip
    assert store.days.archived_dates() == {"2026-03-02"}
    (day, slots), (older, older_slots) = store.days.between("2026-03-02", "2026-03-03")
    assert (day["date"], older["date"]) == ("2026-03-03", "2026-03-02")
    assert [slot["status"] for slot in older_slots] == ["COMPLETED"] * 3
    assert [slot["status"] for slot in slots] == ["PENDING"] * 3
    summaries = store.archive.summaries([older, day])
    assert summaries["2026-03-02"]["paid"]["ros"] == Decimal("3.75") and summaries["2026-03-03"]["usersPaid"] == 0


def test_a_day_with_a_slot_pending_or_running_stays_open(store):
    queue(store, "2026-03-02")
    store.days.claim_slot("2026-03-02", 1)  # running (stuck)
    assert store.archive.next_due() is None
    assert store.archive.ended("2026-03-05T00:00:00.000Z") == 0
    assert store.days.open("2026-03-02") is not None
    store.days.finish_slot("2026-03-02", 1, "FAILED", {})
    for number in (2, 3):
        store.days.claim_slot("2026-03-02", number, "FAILED")
    assert store.archive.next_due() == "2026-03-03T00:00:00.000Z"
    assert store.archive.ended("2026-03-05T00:00:00.000Z") == 1


def test_archived_days_are_dropped_once_older_than_the_window(store):
    first = date(2025, 1, 1)
    days = [(first + timedelta(days=n)).isoformat() for n in range(0, ARCHIVE_WINDOW_DAYS + FORGET_SLACK_DAYS + 14, 7)]
    for day in days:
        queue(store, day)
        finish(store, day)
        store.archive.ended(to_iso(parse_iso(f"{day}T00:00:00.000Z") + timedelta(days=1)))
    window = date.fromisoformat(days[-1]) + timedelta(days=1) - timedelta(days=ARCHIVE_WINDOW_DAYS)
    kept = {doc["date"] for doc in store.db.distribution_history.find({}, {"date": True})}
    assert kept >= {day for day in days if day >= window.isoformat()}  # the window's days all stay
    assert days[0] not in kept and min(kept) >= (window - timedelta(days=FORGET_SLACK_DAYS)).isoformat()
    assert store.days.archived_dates() == kept  # carried along, and as a fresh read finds them
    assert store.archive.earliest() == min(kept)
    assert store.days.distributed(days[0]) is None and store.days.distributed(days[-1]) is not None


def test_a_snapshot_restores_exactly_what_it_held(store):
    queue(store, "2026-03-02")
    finish(store, "2026-03-02")
    store.exports.add("e1", "csv", "2026-03-02T10:00:00.000Z")
    saved = store.snapshot()
    other = Store(mongomock.MongoClient().db)
    other.restore(saved)
    assert other.snapshot() == saved
    assert other.ledger.paid("2026-03-02") == store.ledger.paid("2026-03-02")
    assert other.schedule.in_force() == store.schedule.in_force()
    store.restore({"users": saved["users"]})
    assert store.days.open("2026-03-02") is None and store.schedule.read() is None
    assert store.users.by_id(ADMIN)["email"] == "admin@novunt.test"


def test_a_reset_brings_back_the_fixtures_and_nothing_else(store):
    queue(store, "2026-03-02")
    store.users.open_two_factor_setup(OPS, "SECRET", "token")
    assert store.users.by_id(OPS)["twoFactorSetup"]["token"] == "token"
    store.reset(FIXTURES)
    assert store.days.open("2026-03-02") is None and store.faults.armed() == []
    assert "twoFactorSetup" not in store.users.by_id(OPS)
    assert len(store.stakes.active()) == sum(1 for stake in FIXTURES.stakes if stake["isActive"])
    assert store.snapshot()["users"] == [dict(identity) for identity in FIXTURES.identities]
    store.reset(FIXTURES)  # nothing written since: the fixture collections are left as they are
    assert store.snapshot()["users"] == [dict(identity) for identity in FIXTURES.identities]


def test_a_shared_account_cannot_be_changed_by_its_reader(store):
    user = store.users.by_id(ADMIN)
    with pytest.raises(TypeError):
        user["role"] = "user"  # type: ignore[index]
    assert store.users.by_id(ADMIN)["role"] == "admin"
    assert store.users.by_id("nobody") is None
