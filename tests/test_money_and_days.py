"""Money carried exactly at the contract's bound, and one calendar date distributed at most once."""

from __future__ import annotations

import json
from decimal import Decimal

from contract_tests.in_process import in_process

from .conftest import admin_headers, make_app

SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
MODIFY = "/api/v1/admin/daily-declaration-returns/today/modify"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
BOUND = "9999999999999.99"  # openapi/contract.yaml, Amount.maximum


def as_a_client_reads(response) -> dict:
    """The body parsed as the admin app parses it: every number a binary double."""
    return json.loads(response.text, parse_float=float)


def test_a_day_at_the_amount_bound_pays_exactly_the_pool_as_the_client_reads_it():
    client = in_process(make_app())
    headers = admin_headers(client, code=True)
    three = {"timezone": "Africa/Lagos", "numberOfSlots": 3, "schedules": [
        {"slotNumber": n, "hour": h, "minute": 0, "second": 0} for n, h in ((1, 9), (2, 15), (3, 21))]}  # fmt: skip
    assert client.put(SCHEDULE, headers=headers, json=three).status_code == 200
    body = '{"multiSlotEnabled": true, "distributionSlots": [{"slotNumber": 1, "rosPercentage": 1}, ' \
        '{"slotNumber": 2, "rosPercentage": 1}, {"slotNumber": 3, "rosPercentage": 1}], "rosPercentage": 3, ' \
        f'"premiumPoolAmount": 1234567.89, "performancePoolAmount": {BOUND}}}'  # fmt: skip
    queued = client.post(QUEUE, headers={**headers, "Content-Type": "application/json"}, content=body)
    assert queued.status_code == 201, queued.text
    assert Decimal(repr(as_a_client_reads(queued)["data"]["values"]["performancePoolAmount"])) == Decimal(BOUND)
    client.post("/__mock/clock/advance", json={"to": "next-slot"})  # slot 1 pays a third of each pool
    headers = admin_headers(client, code=True)  # a code of the new instant
    modified = client.patch(MODIFY, headers={**headers, "Content-Type": "application/json"},
                            content=f'{{"premiumPoolAmount": {BOUND}}}')  # fmt: skip
    assert modified.status_code == 200, modified.text
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T22:30:00.000Z"})
    slots = as_a_client_reads(client.get(STATUS, headers=admin_headers(client)))["data"]["distributionSlots"]
    for stats in ("premiumPoolStats", "performancePoolStats"):
        paid = sum((Decimal(repr(s["executionDetails"][stats]["totalDistributed"])) for s in slots), Decimal(0))
        assert paid == Decimal(BOUND), f"{stats}: the day paid {paid}, not {BOUND}"


def test_above_the_bound_is_refused():
    client = in_process(make_app())
    headers = {**admin_headers(client, code=True), "Content-Type": "application/json"}
    body = '{"rosPercentage": 1, "premiumPoolAmount": 10000000000000, "performancePoolAmount": 0}'
    answer = client.post(QUEUE, headers=headers, content=body)
    assert answer.status_code == 400 and "premiumPoolAmount" in " ".join(answer.json()["errors"])


def test_a_date_is_distributed_once_whatever_the_zone_changes():
    """Regression (runner property test, seed 248323056413744364055468364743117959949): Auckland's
    2026-03-08 paid, then New York, where it is still 2026-03-08, queued the same date again."""
    client = in_process(make_app("2026-03-07T12:00:00.000Z"))  # 2026-03-08 01:00 in Auckland
    headers = admin_headers(client, code=True)
    one = lambda zone: {"timezone": zone, "numberOfSlots": 1,  # noqa: E731
                        "schedules": [{"slotNumber": 1, "hour": 2, "minute": 0, "second": 0}]}  # fmt: skip
    day = {"multiSlotEnabled": True, "distributionSlots": [{"slotNumber": 1, "rosPercentage": 1}],
           "rosPercentage": 1, "premiumPoolAmount": 0, "performancePoolAmount": 0}  # fmt: skip
    assert client.put(SCHEDULE, headers=headers, json=one("Pacific/Auckland")).status_code == 200
    first = client.post(QUEUE, headers=headers, json=day)
    assert first.status_code == 201 and first.json()["data"]["today"] == "2026-03-08"
    client.post("/__mock/clock/advance", json={"until": "2026-03-07T14:00:00.000Z"})
    headers = admin_headers(client, code=True)
    assert client.put(SCHEDULE, headers=headers, json=one("America/New_York")).status_code == 200
    client.post("/__mock/clock/advance", json={"until": "2026-03-08T12:00:00.000Z"})  # 2026-03-08 07:00 in New York
    headers = admin_headers(client, code=True)
    again = client.post(QUEUE, headers=headers, json=day)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "CONFLICT" and "2026-03-08" in again.json()["message"]
    moved = client.post("/__mock/clock/advance", json={"until": "2026-03-09T12:00:00.000Z"})
    assert moved.status_code == 200, moved.text


def test_a_blank_timezone_is_refused_not_stored():
    """Found by Schemathesis: a timezone of white space only passed the rules, was stored as None,
    and every later read of the schedule answered 500."""
    client = in_process(make_app())
    headers = admin_headers(client, code=True)
    body = {
        "timezone": "\u000b",
        "numberOfSlots": 1,
        "schedules": [{"slotNumber": 1, "hour": 6, "minute": 0, "second": 0}],
    }
    answer = client.put(SCHEDULE, headers=headers, json=body)
    assert answer.status_code == 400 and any(line.startswith("timezone") for line in answer.json()["errors"])
    assert client.get(SCHEDULE, headers=headers).status_code == 200
