"""The same contract suite against a real MongoDB through pymongo, where one is reachable.

Set MOCK_MONGO_URI (default probe: mongodb://127.0.0.1:27017). Skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pymongo
import pytest

URI = os.environ.get("MOCK_MONGO_URI", "mongodb://127.0.0.1:27017")


def reachable(uri: str) -> str | None:
    try:
        pymongo.MongoClient(uri, serverSelectionTimeoutMS=1500).admin.command("ping")
    except Exception as exc:  # any failure to reach it is a reason to skip
        return f"no MongoDB reachable at {uri} ({type(exc).__name__}); set MOCK_MONGO_URI to run this"
    return None


@pytest.mark.mongo
def test_contract_suite_on_a_real_mongodb():
    reason = reachable(URI)
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "MOCK_MONGO_URI": URI}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "--serve-mock", "-q", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture
def database():
    """A fresh database on the reachable MongoDB: (its URI, a client), dropped afterwards."""
    reason = reachable(URI)
    if reason:
        pytest.skip(reason)
    name = f"novunt_mock_test_{os.getpid()}"
    base, _, query = URI.partition("?")
    client = pymongo.MongoClient(URI)
    yield base.rstrip("/") + f"/{name}" + (f"?{query}" if query else ""), client[name]
    client.drop_database(name)
    client.close()


@pytest.mark.mongo
def test_a_database_that_holds_state_is_used_as_it_is(database):
    """Fixtures go only into an empty database; what is there (ours or not) survives a restart."""
    from starlette.testclient import TestClient

    from .conftest import admin_headers, make_app

    uri, db = database
    db.unrelated.insert_one({"_id": "keep-me"})
    first = TestClient(make_app(mongo_uri=uri))
    assert db.users.count_documents({}) > 0, "an empty database of ours gets the fixtures"
    off = first.patch(
        "/api/v1/admin/cron-settings/distribution-schedule/toggle",
        headers=admin_headers(first, code=True),
        json={"isEnabled": False},
    )
    assert off.status_code == 200
    second = TestClient(make_app(mongo_uri=uri))  # a restart, or a second process
    schedule = second.get("/api/v1/admin/cron-settings/distribution-schedule", headers=admin_headers(second))
    assert schedule.json()["data"]["isEnabled"] is False, "the second start wiped the first one's state"
    assert db.unrelated.find_one({"_id": "keep-me"}), "a collection that is not ours was touched"


@pytest.mark.mongo
def test_two_apps_on_one_database_pay_each_slot_once(database):
    from concurrent.futures import ThreadPoolExecutor

    from starlette.testclient import TestClient

    from .conftest import admin_headers, make_app

    uri, db = database
    one, two = TestClient(make_app(mongo_uri=uri)), TestClient(make_app(mongo_uri=uri))
    schedule = {"timezone": "Africa/Lagos", "numberOfSlots": 3, "schedules": [
        {"slotNumber": n, "hour": h, "minute": 0, "second": 0} for n, h in ((1, 9), (2, 15), (3, 21))]}  # fmt: skip
    assert one.put("/api/v1/admin/cron-settings/distribution-schedule", headers=admin_headers(one, code=True),
                   json=schedule).status_code == 200  # fmt: skip
    body = {"multiSlotEnabled": True, "rosPercentage": 3, "distributionSlots": [
        {"slotNumber": n, "rosPercentage": 1} for n in (1, 2, 3)]}  # fmt: skip
    assert one.post("/api/v1/admin/daily-declaration-returns/today/queue",
                    headers=admin_headers(one, code=True), json=body).status_code == 201  # fmt: skip
    with ThreadPoolExecutor(max_workers=2) as pool:
        moves = [pool.submit(app.post, "/__mock/clock/advance", json={"until": "2026-02-12T22:30:00.000Z"})
                 for app in (one, two)]  # fmt: skip
        ran = sorted(r["slotNumber"] for move in moves for r in move.result().json()["ran"])
    assert ran == [1, 2, 3], f"each slot run once by the two processes (ran {ran})"
    assert sorted(e["slotNumber"] for e in db.payouts.find({}, {"slotNumber": True})) == [1, 2, 3]
