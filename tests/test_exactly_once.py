"""Each (stake, date, slot) is paid at most once, even when independent workers race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from starlette.testclient import TestClient

from contract_tests.helpers import MULTI_QUEUE, THREE_SLOTS
from mock_server.domain.distribution import Payment
from mock_server.engine.runner import Runner

from .conftest import admin_headers, at, make_app

THREE, QUEUE = THREE_SLOTS, MULTI_QUEUE  # the seed's day


def queued_app():
    app = make_app()
    client = TestClient(app)
    headers = admin_headers(client, code=True)
    assert (
        client.put("/api/v1/admin/cron-settings/distribution-schedule", headers=headers, json=THREE).status_code == 200
    )
    assert (
        client.post("/api/v1/admin/daily-declaration-returns/today/queue", headers=headers, json=QUEUE).status_code
        == 201
    )
    return app


def test_independent_runners_racing_pay_each_stake_once_per_slot():
    app = queued_app()
    services = app.services
    # Two runners with their own locks share the store, as two processes on one MongoDB would.
    runners = [services.runner, Runner(services.clock, services.store)]
    target = at("2026-02-12T22:30:00Z")
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda i: runners[i % 2].advance_to(target), range(16)))
    assert sorted(r["slotNumber"] for batch in results for r in batch) == [1, 2, 3]
    ledger = services.store.ledger.entries("2026-02-12")
    assert [(e["date"], e["slotNumber"]) for e in ledger] == [("2026-02-12", n) for n in (1, 2, 3)]
    active = len(services.store.stakes.active())
    for entry in ledger:
        assert len(entry["ros"]) == active  # one amount per active stake: a map cannot hold a stake twice
    assert (
        runners[0].store.ledger.entry("2026-02-12", 1)["ros"] == runners[1].store.ledger.entry("2026-02-12", 1)["ros"]
    )


def test_the_ledger_refuses_a_second_payment_of_a_slot():
    store = queued_app().services.store
    payments = [Payment("ros", "s1", __import__("decimal").Decimal("1.00"))]
    assert store.ledger.record("2026-02-13", 1, payments) is True
    assert store.ledger.record("2026-02-13", 1, payments) is False
    assert len(store.ledger.entries("2026-02-13")) == 1


def test_a_claimed_slot_cannot_be_claimed_again():
    store = queued_app().services.store
    assert store.days.claim_slot("2026-02-12", 1) is not None
    assert store.days.claim_slot("2026-02-12", 1) is None
