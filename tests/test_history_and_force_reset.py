"""History against the ledger itself, force-reset against the ledger, the CSV's cells, the profiles."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from contract_tests.in_process import in_process

from .conftest import admin_headers, make_app

SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
DECLARATIONS = "/api/v1/admin/daily-declaration-returns"
QUEUE = f"{DECLARATIONS}/today/queue"
STATUS = f"{DECLARATIONS}/today/status"
THREE = {"timezone": "Africa/Lagos", "numberOfSlots": 3, "schedules": [
    {"slotNumber": n, "hour": h, "minute": 0, "second": 0} for n, h in ((1, 9), (2, 15), (3, 21))]}  # fmt: skip


def day_body(ros: float) -> dict:
    return {
        "multiSlotEnabled": True,
        "distributionSlots": [{"slotNumber": n, "rosPercentage": ros} for n in (1, 2, 3)],
        "rosPercentage": round(3 * ros, 4),
    }


@pytest.fixture
def week():
    """Seven days queued (without pools) and run; yields the client, each day's slot cards and its
    ledger, read while the day was still open."""
    app = make_app()
    client = in_process(app)
    assert client.put(SCHEDULE, headers=admin_headers(client, code=True), json=THREE).status_code == 200
    cards, ledgers = {}, {}
    for n in range(7):
        day = f"2026-02-{12 + n:02d}"
        queued = client.post(QUEUE, headers=admin_headers(client, code=True), json=day_body(0.5 + n / 10))
        assert queued.status_code == 201
        client.post("/__mock/clock/advance", json={"until": f"{day}T22:30:00.000Z"})
        cards[day] = client.get(STATUS, headers=admin_headers(client)).json()["data"]["distributionSlots"]
        ledgers[day] = app.services.store.ledger.paid(day)
        client.post("/__mock/clock/advance", json={"until": f"2026-02-{13 + n:02d}T07:00:00.000Z"})
    return client, cards, ledgers


def test_a_week_of_history_is_the_ledger(week):
    """Each record (the days archived since) equals its day's ledger and the sums of its slot cards."""
    client, cards, ledgers = week
    headers = admin_headers(client)
    records = client.get(f"{DECLARATIONS}/history", headers=headers, params={"limit": 100}).json()["data"]["records"]
    assert [r["date"] for r in records] == sorted(cards, reverse=True)
    for record in records:
        paid = ledgers[record["date"]]
        slots = cards[record["date"]]
        from_cards = sum(Decimal(str(s["executionDetails"]["rosStats"]["totalDistributed"])) for s in slots)
        assert Decimal(str(record["stakeRosDistributedUSDT"])) == paid["ros"] == from_cards
        assert Decimal(str(record["poolsPaidToQualifiersUSDT"])) == paid["premium"] + paid["performance"]
        assert record["status"] == "COMPLETED" and record["executionTimeMs"] >= 3
    rows = list(csv.DictReader(io.StringIO(client.get(_download(client, headers)).text)))
    assert [(r["date"], r["stakeRosDistributedUSDT"]) for r in rows] == [
        (r["date"], f"{Decimal(str(r['stakeRosDistributedUSDT'])):.2f}") for r in records
    ]


def _download(client, headers: dict, **params) -> str:
    answer = client.get(f"{DECLARATIONS}/history/export", headers=headers, params={"format": "csv", **params})
    return answer.json()["data"]["downloadUrl"].removeprefix("http://testserver")


def test_the_csv_never_hands_a_spreadsheet_a_formula():
    client = in_process(make_app())
    headers = admin_headers(client, code=True)
    client.put(SCHEDULE, headers=headers, json=THREE)
    client.post(QUEUE, headers=admin_headers(client, code=True), json=day_body(1.0))
    client.post("/__mock/faults", json={"slotNumber": 1, "error": '=HYPERLINK("http://evil.example")'})
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T22:30:00.000Z"})
    text = client.get(_download(client, headers)).text
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["status"] == "FAILED" and row["error"] == 'slot 1: =HYPERLINK("http://evil.example")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


def test_force_reset_after_a_crash_past_payment_pays_nothing_twice():
    app = make_app()
    client = in_process(app)
    headers = admin_headers(client, code=True)
    client.put(SCHEDULE, headers=headers, json=THREE)
    client.post(QUEUE, headers=admin_headers(client, code=True), json=day_body(1.0))
    client.post("/__mock/faults", json={"slotNumber": 1, "effect": "stuck-after-payment"})
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T09:00:00.000Z"})
    ledger = app.services.store.ledger
    entry = ledger.entry("2026-02-12", 1)
    paid = ledger.paid("2026-02-12")
    assert client.get(STATUS, headers=headers).json()["data"]["distributionSlots"][0]["status"] == "EXECUTING"
    answer = client.post(f"{DECLARATIONS}/today/force-reset", headers=admin_headers(client, code=True), json={})
    assert answer.status_code == 200 and "Released slot(s) 1" in answer.json()["message"]
    slot = client.get(STATUS, headers=headers).json()["data"]["distributionSlots"][0]
    assert slot["status"] == "COMPLETED"
    assert ledger.entry("2026-02-12", 1) == entry and ledger.paid("2026-02-12") == paid
    assert Decimal(str(slot["executionDetails"]["rosStats"]["totalDistributed"])) == paid["ros"]


@pytest.mark.parametrize(("profile", "zone", "time"), [("current", "UTC", 14), ("seed", "Africa/Lagos", 15)])
def test_each_profile_serves_its_apps_default_schedule(profile, zone, time):
    client = in_process(make_app(profile=profile))
    settings = client.get(SCHEDULE, headers=admin_headers(client)).json()["data"]
    assert (settings["timezone"], settings["schedules"][0]["hour"]) == (zone, time)
    assert settings["nextExecutions"][0]["scheduledFor"] == "2026-02-12T14:59:59.000Z"  # the same instant


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="profile"):
        make_app(profile="tomorrow")
