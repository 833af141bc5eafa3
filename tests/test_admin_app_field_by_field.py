"""BRIEF section 11, on the mock itself: what today's admin app reads and sends, field by field, and
what the mock answers (the contract suite checks the same of any backend; these check the mock's
own decisions: storage, the journal, the console, the /__mock/ page)."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pyotp
import pytest

from contract_tests.in_process import in_process
from mock_server.http.storm import StormWatch

from .conftest import admin_headers, make_app

SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
DECLARATIONS = "/api/v1/admin/daily-declaration-returns"
QUEUE = f"{DECLARATIONS}/today/queue"
STATUS = f"{DECLARATIONS}/today/status"
MODIFY = f"{DECLARATIONS}/today/modify"
THREE = {"timezone": "UTC", "numberOfSlots": 3, "schedules": [
    {"slotNumber": n, "hour": h, "minute": 0, "second": 0} for n, h in ((1, 9), (2, 15), (3, 21))]}  # fmt: skip
PLATFORM_DAY = "/settings/public/platform_day_start_utc"


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def client(app):
    return in_process(app)


def three_slots(client) -> None:
    assert client.put(SCHEDULE, headers=admin_headers(client, code=True), json=THREE).status_code == 200


def queue(client, ros: list[float], total: float):
    body = {
        "multiSlotEnabled": True,
        "distributionSlots": [{"slotNumber": n, "rosPercentage": r} for n, r in enumerate(ros, 1)],
        "rosPercentage": total,
    }
    return client.post(QUEUE, headers=admin_headers(client, code=True), json=body)


def test_a_javascript_float_sum_is_the_value_it_stands_for_stored_and_shown_rounded(client, app):
    three_slots(client)
    answer = queue(client, [0.1, 0.2, 1.1], 0.1 + 0.2 + 1.1)  # 1.4000000000000001, as the app sends it
    assert answer.status_code == 201, answer.json()
    data = answer.json()["data"]
    assert data["values"]["rosPercentage"] == 1.4
    stored = app.services.store.days.open(data["today"])["values"]["rosPercentage"]
    assert stored == "1.4"  # rounded once, at the edge: what is stored is the value, not the float's noise


def test_more_digits_than_four_decimals_is_still_refused_naming_the_field(client):
    three_slots(client)
    answer = queue(client, [2.12345, 1, 1], 4.12345)
    assert answer.status_code == 400
    body = answer.json()
    assert any(line.startswith("distributionSlots[0].rosPercentage") for line in body["errors"])
    assert body["message"].startswith("Validation failed: ") and body["message"] == body["error"]["message"]


def test_a_400_message_says_the_first_problem_and_how_many_more(client):
    too_many = {
        "timezone": "UTC",
        "numberOfSlots": 11,
        "schedules": [{"slotNumber": 1, "hour": 25, "minute": 0, "second": 0}],
    }
    body = client.put(SCHEDULE, headers=admin_headers(client, code=True), json=too_many).json()
    first, rest = body["errors"][0], len(body["errors"]) - 1
    assert rest >= 1
    assert body["message"] == f"Validation failed: {first} (and {rest} more)" == body["error"]["message"]


def test_modify_after_slot_1_ran_takes_every_slot_as_the_app_sends_them(client):
    three_slots(client)
    assert queue(client, [1, 2, 3], 6).status_code == 201
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T10:00:00.000Z"})  # slot 1 ran at 09:00
    every = [
        {"slotNumber": 1, "rosPercentage": 1},
        {"slotNumber": 2, "rosPercentage": 2.5},
        {"slotNumber": 3, "rosPercentage": 3},
    ]
    edited = client.patch(
        MODIFY, headers=admin_headers(client, code=True), json={"distributionSlots": every, "rosPercentage": 6.5}
    )
    assert edited.status_code == 200, edited.json()
    slots = edited.json()["data"]["distributionSlots"]
    assert [(s["slotNumber"], s["rosPercentage"], s["status"]) for s in slots] == [
        (1, 1, "COMPLETED"), (2, 2.5, "PENDING"), (3, 3, "PENDING")]  # fmt: skip
    changed = [{"slotNumber": 1, "rosPercentage": 1.5}, *every[1:]]
    refused = client.patch(
        MODIFY, headers=admin_headers(client, code=True), json={"distributionSlots": changed, "rosPercentage": 7}
    )
    assert refused.status_code == 409 and "Slot 1" in refused.json()["error"]["message"]
    wrong_sum = client.patch(
        MODIFY, headers=admin_headers(client, code=True), json={"distributionSlots": every, "rosPercentage": 5.5}
    )
    assert wrong_sum.status_code == 400 and "rosPercentage" in wrong_sum.json()["message"]


def test_history_waits_for_the_day_to_end_and_counts_pool_recipients(client):
    three_slots(client)
    assert queue(client, [1, 1, 1], 3).status_code == 201
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T16:00:00.000Z"})  # slots 1 and 2 ran
    headers = admin_headers(client)
    history = client.get(f"{DECLARATIONS}/history", headers=headers).json()["data"]
    assert history["records"] == [] and history["pagination"]["total"] == 0
    open_day = client.get(f"{DECLARATIONS}/2026-02-12/details", headers=headers).json()["data"]
    assert open_day["status"] == "PENDING" and open_day["execution"]["statistics"]["ros"]["processedStakes"] > 0
    client.post("/__mock/clock/advance", json={"until": "2026-02-12T22:00:00.000Z"})
    slots = client.get(STATUS, headers=headers).json()["data"]["distributionSlots"]
    (record,) = client.get(f"{DECLARATIONS}/history", headers=headers).json()["data"]["records"]
    assert record["status"] == "COMPLETED"
    assert 0 < record["poolRecipientsCount"] <= record["usersCount"]
    stats = client.get(f"{DECLARATIONS}/2026-02-12/details", headers=headers).json()["data"]["execution"]["statistics"]
    details = [s["executionDetails"] for s in slots]
    assert stats["ros"]["processedStakes"] == sum(d["rosStats"]["processedStakes"] for d in details)
    assert stats["premiumPool"]["usersReceived"] == sum(d["premiumPoolStats"]["usersReceived"] for d in details)
    assert stats["ros"]["totalDistributed"] == record["stakeRosDistributedUSDT"]


def test_a_single_slot_day_has_all_four_parts_of_the_payout_summary(client):
    legacy = {"rosPercentage": 2.5}
    data = client.post(QUEUE, headers=admin_headers(client, code=True), json=legacy).json()["data"]
    assert not data["multiSlotEnabled"]
    assert set(data["distributionTotals"]) >= {"scheduled", "actual", "projected", "multiSlot"}
    assert data["distributionTotals"]["multiSlot"] == {"completedSlots": 0, "totalSlots": 1, "pendingSlots": 1}


def test_the_export_link_is_absolute_on_the_origin_asked(client):
    url = client.get(f"{DECLARATIONS}/history/export", headers=admin_headers(client)).json()["data"]["downloadUrl"]
    assert url.startswith("http://testserver/__mock/exports/")


def test_a_storm_of_the_platform_day_is_told_once_on_the_console_and_in_the_journal(app, client, caplog):
    with caplog.at_level("WARNING", logger="mock_server"):
        for _ in range(45):
            assert client.get(PLATFORM_DAY).status_code == 200
    told = [r.getMessage() for r in caplog.records if "times within a second" in r.getMessage()]
    assert len(told) == 1 and ".data.value" in told[0] and PLATFORM_DAY in told[0]
    noticed = [e for e in client.get("/__mock/requests", params={"limit": 100}).json()["requests"] if e.get("notice")]
    assert [e["notice"] for e in noticed] == told


def test_a_storm_needs_the_rate_not_the_count():
    now = [0.0]
    watch = StormWatch(per_second=20, now=lambda: now[0])
    for _ in range(40):  # 40 requests, 0.25 s apart: 4 a second, never a storm
        now[0] += 0.25
        assert watch.seen("GET", "/cron-status", "127.0.0.1") is None
    for _ in range(15):  # then 15 more at once: 19 within the last second
        assert watch.seen("GET", "/cron-status", "127.0.0.1") is None
    assert watch.seen("GET", "/cron-status", "127.0.1.1") is None  # another client counts apart
    assert "refetching it in a loop" in watch.seen("GET", "/cron-status", "127.0.0.1")
    assert watch.seen("GET", "/cron-status", "127.0.0.1") is None  # said once


def _simulated_now(client) -> datetime:
    return datetime.fromisoformat(client.get("/__mock/clock").json()["now"].replace("Z", "+00:00"))


def test_2fa_set_up_on_the_page_in_the_journal_and_undone_by_a_reset(client):
    ops = admin_headers(client, "ops@novunt.test")
    setup = client.post("/better-auth/mfa/setup", headers=ops, json={}).json()["data"]
    secret = setup["setupDetails"]["secret"]
    assert (
        base64.b64decode(setup["setupDetails"]["qrCode"].removeprefix("data:image/png;base64,"))[:8]
        == b"\x89PNG\r\n\x1a\n"
    )
    assert f"secret={secret}" in setup["setupDetails"]["otpauthUrl"]
    page = {i["identifier"]: i for i in client.get("/__mock/state").json()["identities"]}["ops@novunt.test"]
    assert page["setupOpen"] and client.get(page["qr"]).headers["content-type"] == "image/png"
    code = pyotp.TOTP(secret).at(_simulated_now(client))
    confirm = {"verificationToken": setup["verificationToken"], "verificationCode": code}
    assert client.post("/api/v1/better-auth/mfa/verify", headers=ops, json=confirm).status_code == 200
    assert client.get("/__mock/totp/ops").json()["code"] == code  # the page and the control API show its codes now
    journal = json.dumps(client.get("/__mock/requests").json())
    assert secret not in journal and code not in journal and setup["verificationToken"] not in journal
    client.post("/__mock/reset", json={})
    signed_in = client.post("/api/v1/admin/login", json={"identifier": "ops", "password": "Ops123!"})
    assert signed_in.status_code == 200  # the fixtures again: no 2FA for ops
