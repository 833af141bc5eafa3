"""Scenarios (issue 28): every built-in one builds quickly on both profiles over HTTP, every contract
GET afterwards passes response validation, each shows what its title says (read from the contract's
routes), the same start gives the same bytes, and a file with a mistake is one line naming the step
and field, with nothing half-built."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mock_server.http.routes import operations
from mock_server.resources import CONTRACT
from mock_server.scenarios.files import builtin, problems
from mock_server.state.fixtures import read_yaml

from .conftest import admin_headers, make_app
from .preloaded import run_module

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1/admin"
STATUS = f"{API}/daily-declaration-returns/today/status"
HISTORY = f"{API}/daily-declaration-returns/history"
SCHEDULE = f"{API}/cron-settings/distribution-schedule"
NAMES = list(builtin())
AMOUNT_BOUND = Decimal("9999999999999.99")


def in_process(profile: str = "current"):
    from contract_tests.in_process import in_process as client_of

    return client_of(make_app(profile=profile))


def built(client: httpx.Client, name: str, **options) -> tuple[dict, dict]:
    """Build ``name``; (its answer, admin headers minted on the built clock)."""
    answer = client.post(f"/__mock/scenarios/{name}", json=options)
    assert answer.status_code == 200, answer.text
    return answer.json(), admin_headers(client)


def status(client: httpx.Client, headers: dict) -> dict:
    return client.get(STATUS, headers=headers).json()["data"]


def slots(client: httpx.Client, headers: dict) -> list[dict]:
    return status(client, headers)["distributionSlots"]


def contract_gets(today: str) -> list[tuple[str, str, set[int]]]:
    """(operationId, concrete path, documented statuses) of every GET of the contract."""
    found = []
    for template, method, operation in operations(read_yaml(CONTRACT)):
        if method == "get":
            path = template.replace("{date}", today).replace("{key}", "platform_day_start_utc")
            found.append((operation["operationId"], path, {int(s) for s in operation["responses"] if s.isdigit()}))
    return found


def test_the_built_in_files_are_valid_scenario_files():
    assert NAMES[:3] == ["fresh", "mid-day", "all-done"] and len(NAMES) >= 11
    for name, scenario in builtin().items():
        assert problems(scenario) == [], name
        assert scenario["title"] and scenario["page"] and scenario["state"], name


@pytest.mark.parametrize("profile", ["current", "seed"])
def test_every_scenario_builds_fast_over_http_and_every_get_is_valid(serve, profile):
    url, log = serve("--frozen", "--quiet", "--validate-responses", "--profile", profile)
    client = httpx.Client(base_url=url, timeout=30)
    for name in NAMES:
        started = time.perf_counter()
        answer = client.post(f"/__mock/scenarios/{name}", json={})
        took = time.perf_counter() - started
        assert answer.status_code == 200, answer.text
        assert took < (2 if name == "week-of-history" else 1), f"{name} took {took:.2f} s on {profile}"
        headers = admin_headers(client)
        today = client.get("/__mock/state").json()["today"]
        for operation_id, path, documented in contract_gets(today):
            response = client.get(path, headers=headers)
            assert response.status_code < 500, (name, operation_id, response.text[:300])
            assert response.status_code in documented, (name, operation_id, response.status_code)
        assert client.get(STATUS, headers=headers).status_code == 200
    assert "Traceback" not in log.read_text()


@pytest.mark.parametrize("profile", ["current", "seed"])
def test_fresh_and_login_2fa_are_the_fixtures(profile):
    client = in_process(profile)
    _, headers = built(client, "fresh")
    saved = client.get(SCHEDULE, headers=headers).json()["data"]
    expected = {"current": ("UTC", 14), "seed": ("Africa/Lagos", 15)}[profile]
    assert (saved["timezone"], saved["schedules"][0]["hour"]) == expected and saved["numberOfSlots"] == 1
    assert status(client, headers).get("distributionSlots") in (None, [])
    answer, _ = built(client, "login-2fa")
    assert answer["frozen"] is False
    sign_in = {"identifier": "admin@novunt.test", "password": "Admin123!"}
    refused = client.post(f"{API}/login", json=sign_in)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "2FA_CODE_REQUIRED"
    code = client.get("/__mock/totp/admin").json()["code"]
    assert client.post(f"{API}/login", json={**sign_in, "twoFACode": code}).status_code == 200


def test_mid_day_and_all_done():
    client = in_process()
    answer, headers = built(client, "mid-day")
    found = slots(client, headers)
    assert [s["status"] for s in found] == ["COMPLETED", "PENDING", "PENDING"]
    assert found[0]["scheduledFor"] < answer["now"] < found[1]["scheduledFor"]
    assert found[0]["executionDetails"]["rosStats"]["processedStakes"] > 0
    _, headers = built(client, "all-done")
    day = status(client, headers)
    assert [s["status"] for s in day["distributionSlots"]] == ["COMPLETED"] * 3 and day["status"] == "COMPLETED"


def test_slot_failed_has_exactly_one_failed_slot_with_its_error():
    client = in_process()
    _, headers = built(client, "slot-failed")
    failed = [s for s in slots(client, headers) if s["status"] == "FAILED"]
    assert len(failed) == 1 and failed[0]["executionDetails"]["error"]


def test_slot_stuck_gives_force_reset_something_to_do():
    client = in_process()
    _, headers = built(client, "slot-stuck")
    assert [s["status"] for s in slots(client, headers)] == ["COMPLETED", "EXECUTING", "PENDING"]
    code = client.get("/__mock/totp/admin").json()["code"]
    reset = client.post(f"{API}/daily-declaration-returns/today/force-reset", headers={**headers, "X-2FA-Code": code})
    assert reset.status_code == 200 and "Released slot(s) 2" in reset.json()["message"]
    assert [s["status"] for s in slots(client, headers)] == ["COMPLETED", "COMPLETED", "PENDING"]


def test_disabled_overdue_has_a_pending_slot_past_its_time():
    client = in_process()
    answer, headers = built(client, "disabled-overdue")
    assert client.get(SCHEDULE, headers=headers).json()["data"]["isEnabled"] is False
    overdue = [s for s in slots(client, headers) if s["status"] == "PENDING" and s["scheduledFor"] < answer["now"]]
    assert [s["slotNumber"] for s in overdue] == [2]


def totals(records_or_slots: list[dict]) -> tuple[Decimal, Decimal]:
    """ROS and pools paid by a day's slots (as their cards show them)."""
    ros = sum(
        (Decimal(str(s["executionDetails"]["rosStats"]["totalDistributed"])) for s in records_or_slots), Decimal(0)
    )
    pools = sum(
        (
            Decimal(str(s["executionDetails"][k]["totalDistributed"]))
            for s in records_or_slots
            for k in ("premiumPoolStats", "performancePoolStats")
        ),
        Decimal(0),
    )
    return ros, pools


def test_week_of_history_has_seven_rows_whose_totals_are_the_slots_sums():
    client = in_process()
    _, headers = built(client, "all-done")  # the same day's slots, as their cards show them (ROS 4.5)
    cards = slots(client, headers)
    whole_day, first_two = totals(cards), totals(cards[:2])
    _, headers = built(client, "week-of-history")
    history = client.get(HISTORY, headers=headers).json()["data"]
    records = {r["date"]: r for r in history["records"]}
    assert list(records) == [f"2026-04-{d}" for d in range(28, 21, -1)]
    statuses = {date: r["status"] for date, r in records.items()}
    assert [d for d, s in statuses.items() if s == "FAILED"] == ["2026-04-26", "2026-04-24"]
    assert history["summary"]["completedCount"] == 5 and history["summary"]["failedCount"] == 2

    def paid(date: str) -> tuple[Decimal, Decimal]:
        record = records[date]
        return Decimal(str(record["stakeRosDistributedUSDT"])), Decimal(str(record["poolsPaidToQualifiersUSDT"]))

    for date in ("2026-04-22", "2026-04-25", "2026-04-28"):
        assert paid(date) == whole_day, date
    assert paid("2026-04-26") == first_two  # partly paid: slot 3 failed
    assert paid("2026-04-24") == (0, 0)  # every slot failed
    for date, record in records.items():
        details = client.get(f"{API}/daily-declaration-returns/{date}/details", headers=headers).json()["data"]
        statistics = details["execution"]["statistics"]
        assert Decimal(str(statistics["ros"]["totalDistributed"])) == paid(date)[0], date
        assert record["poolRecipientsCount"] >= 0
    assert sum(paid(d)[0] for d in records) == Decimal(str(history["summary"]["totalROSDistributed"]))
    today = status(client, headers)
    assert today["today"] == "2026-04-29" and [s["status"] for s in today["distributionSlots"]] == ["PENDING"] * 3


def test_dst_spring_forward_has_a_slot_in_the_gap():
    client = in_process("seed")
    _, headers = built(client, "dst-spring-forward")
    assert client.get(SCHEDULE, headers=headers).json()["data"]["timezone"] == "America/New_York"
    found = {s["slotNumber"]: s for s in slots(client, headers)}
    assert found[2]["scheduledTime"] == "02:30:00"
    assert found[2]["scheduledFor"] == "2026-03-08T07:00:00.000Z"  # 03:00 EDT: 02:30 does not exist that day
    assert [found[n]["status"] for n in (1, 2, 3)] == ["COMPLETED", "COMPLETED", "PENDING"]


def test_no_schedule_is_the_legacy_time():
    client = in_process()
    _, headers = built(client, "no-schedule")
    missing = client.get(SCHEDULE, headers=headers)
    assert missing.status_code == 404 and "No distribution schedule" in missing.json()["message"]
    assert "15:59:59" in client.get("/cron-status").text


def test_large_amounts_are_exact_as_javascript_numbers():
    client = in_process()
    _, headers = built(client, "large-amounts")
    raw = client.get(STATUS, headers=headers).text
    exact = json.loads(raw, parse_float=Decimal)["data"]
    as_js = json.loads(raw)["data"]  # what a JavaScript number (a double) reads
    assert exact["values"]["premiumPoolAmount"] == Decimal("4567890123456.78")
    assert exact["values"]["performancePoolAmount"] == Decimal("1234567890123.45")

    def numbers(exact_value, js_value):
        if isinstance(exact_value, dict):
            for key in exact_value:
                yield from numbers(exact_value[key], js_value[key])
        elif isinstance(exact_value, list):
            for pair in zip(exact_value, js_value, strict=True):
                yield from numbers(*pair)
        elif isinstance(exact_value, Decimal):
            yield exact_value, js_value

    for decimal, double in numbers(exact, as_js):
        assert decimal <= AMOUNT_BOUND and Decimal(repr(double)) == decimal, (decimal, double)
    paid = sum(
        Decimal(str(s["executionDetails"]["premiumPoolStats"]["totalDistributed"])) for s in exact["distributionSlots"]
    )
    assert paid == Decimal("4567890123456.78") and exact["status"] == "COMPLETED"


def test_the_same_start_gives_the_same_bytes():
    client = in_process()
    for name in NAMES:
        options = {"start": "2026-04-29T07:00:00Z", "frozen": True} if builtin()[name]["start"] == "now" else {}
        reads = []
        for _ in range(2):
            built(client, "all-done" if name != "all-done" else "fresh")  # something else in between
            _, headers = built(client, name, **options)
            reads.append([client.get(path, headers=headers).content for path in ("/__mock/state", STATUS, HISTORY)])
        assert reads[0] == reads[1], name


MID_DAY_STEPS = read_yaml(ROOT / "mock_server" / "scenarios" / "builtin" / "mid-day.yaml")["steps"]


@pytest.mark.parametrize(
    ("steps", "status_code", "named"),
    [
        ([{"faults": {"slotNumber": 2}}], 400, "steps[0]: Additional properties are not allowed ('faults'"),
        ([*MID_DAY_STEPS[:2], {"fault": {"slotNumber": 11}}], 400, "steps[2].fault.slotNumber: 11 is greater"),
        ([{"schedule": {**MID_DAY_STEPS[0]["schedule"], "schedules": [
            {"slotNumber": 1, "hour": 25, "minute": 0, "second": 0}]}}], 400, "steps[0].schedule.schedules[0].hour"),
        ([{"advance": {"until": "tomorrow"}}], 400, "steps[0].advance.until"),
        ([MID_DAY_STEPS[0], {"queue": {"multiSlotEnabled": True, "rosPercentage": 4,
            "distributionSlots": [{"slotNumber": 4, "rosPercentage": 4}]}}], 409, "steps[1].queue: distributionSlots"),
        ([*MID_DAY_STEPS, {"queue": MID_DAY_STEPS[1]["queue"]}], 409, "steps[3].queue: Today's distribution"),
        ([*MID_DAY_STEPS, {"advance": {"until": "2026-04-29T08:00:00Z"}}], 409, "steps[3].advance: until"),
    ],
    ids=["unknown-step", "slot-out-of-range", "bad-hour", "bad-instant", "slot-not-in-schedule", "second-queue",
         "until-before-the-clock"],
)  # fmt: skip
def test_a_mistake_is_one_line_naming_the_step_and_nothing_is_half_built(steps, status_code, named):
    client = in_process()
    built(client, "slot-failed")
    before = client.get("/__mock/state").content
    answer = client.post("/__mock/scenarios", json={"start": "2026-04-29T07:00:00Z", "steps": steps})
    assert answer.status_code == status_code, answer.text
    body = answer.json()
    assert body["success"] is False and body["error"]["code"] and "\n" not in body["message"]
    assert named in body["message"], body["message"]
    assert client.get("/__mock/state").content == before


def test_a_file_is_built_as_a_built_in_one_and_an_unknown_name_is_404():
    client = in_process()
    file = {"name": "mine", "title": "Mine", "start": "2026-04-29T07:00:00Z", "steps": MID_DAY_STEPS}
    assert client.post("/__mock/scenarios", json=file).json()["steps"] == 3
    mine = client.get("/__mock/state").content
    built(client, "mid-day")
    assert client.get("/__mock/state").content == mine
    unknown = client.post("/__mock/scenarios/nope", json={})
    assert unknown.status_code == 404 and "mid-day" in unknown.json()["message"]


BAD_FILE = "start: '2026-04-29T07:00:00Z'\nsteps:\n  - fault: {slotNumber: 11}\n"


def test_the_cli_builds_by_name_and_refuses_a_mistake_in_one_line(serve, tmp_path):
    url, _ = serve("--frozen", "--quiet")
    run = run_module("mock_server", ["scenario", "slot-failed", "--url", url])
    assert run.returncode == 0 and run.stdout.startswith("Built slot-failed: "), run.stderr
    before = httpx.get(f"{url}/__mock/state").content
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILE)
    refused = run_module("mock_server", ["scenario", str(bad), "--url", url])
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "steps[0].fault.slotNumber" in refused.stderr
    assert httpx.get(f"{url}/__mock/state").content == before
    listed = run_module("mock_server", ["scenario", "--list", "--url", url])
    assert listed.returncode == 0 and all(name in listed.stdout for name in NAMES)


def test_serve_starts_in_a_scenario_and_refuses_a_bad_file_in_one_line(serve, tmp_path):
    url, log = serve("--quiet", "--scenario", "slot-stuck")
    assert "scenario slot-stuck" in log.read_text()
    state = httpx.get(f"{url}/__mock/state").json()
    assert [s["status"] for s in state["day"]["distributionSlots"]] == ["COMPLETED", "EXECUTING", "PENDING"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILE)
    for scenario in (str(bad), "no-such-scenario"):
        refused = run_module("mock_server", ["serve", "--port", "1", "--scenario", scenario])
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert refused.stderr.startswith("novunt-mock serve: error: ")


def test_the_mock_scenario_fixture(serve, monkeypatch, request, tmp_path):
    url, _ = serve("--frozen", "--quiet")
    monkeypatch.setenv("MOCK_URL", url)
    mock_scenario = request.getfixturevalue("mock_scenario")
    assert mock_scenario("slot-failed")["name"] == "slot-failed"
    assert "week-of-history" in mock_scenario.names()
    mine = tmp_path / "mine.yaml"
    mine.write_text("title: Mine\nstart: '2026-04-29T07:00:00Z'\nsteps: []\n")
    assert mock_scenario(mine)["now"] == "2026-04-29T07:00:00.000Z"
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILE)
    with pytest.raises(AssertionError, match=r"steps\[0\]\.fault\.slotNumber"):
        mock_scenario(bad)


def test_the_readme_lists_every_scenario():
    readme = (ROOT / "README.md").read_text()
    for name in NAMES:
        assert f"| `{name}` |" in readme, name
