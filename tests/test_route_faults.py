"""HTTP faults and latency, as a client of a served mock sees them: status and envelope, a delay
within 50 ms, a dropped connection; ``times`` and ``probability`` honoured; cleared on reset; never
on the control API."""

from __future__ import annotations

import time

import httpx
import pytest

pytestmark = pytest.mark.xdist_group("route_faults")  # its tests share one module fixture: one worker

STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    from contract_tests.target import free_port, wait_until_answers

    from .preloaded import Forked

    port = free_port()
    log = tmp_path_factory.mktemp("faults") / "server.log"
    process = Forked("mock_server", ["serve", "--port", str(port), "--frozen", "--quiet"], log)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_answers(f"{url}/cron-status", is_up=lambda: process.poll() is None), log.read_text()
    client = httpx.Client(base_url=url, timeout=30)
    yield client
    client.close()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def client(mock):
    mock.request("DELETE", "/__mock/faults", json={})
    yield mock
    mock.request("DELETE", "/__mock/faults", json={})


def arm(client: httpx.Client, **fault) -> dict:
    answer = client.post("/__mock/faults", json=fault)
    assert answer.status_code == 201, answer.text
    return answer.json()


def admin(client: httpx.Client) -> dict:
    return {"Authorization": "Bearer " + client.post("/__mock/tokens", json={"identifier": "admin"}).json()["token"]}


def timed(client: httpx.Client, path: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    answer = client.get(path, **kwargs)
    return answer, (time.perf_counter() - started) * 1000


def test_a_status_fault_answers_the_contract_envelope_times_times(client):
    arm(client, operationId="getTodayDistributionStatus", status=500, times=2)
    answers = [client.get(STATUS, headers=admin(client)) for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 500, 200]
    body = answers[0].json()
    assert body["success"] is False and body["error"]["code"] == "INTERNAL_ERROR" and "injected" in body["message"]
    assert client.get("/__mock/faults").json()["routeFaults"] == []


def test_a_status_fault_with_a_body_of_your_own_and_a_prefix(client):
    arm(client, path="/api/v1/admin/*", status=401, body={"message": "Session expired"}, times=1)
    expired = client.get(SCHEDULE, headers=admin(client))
    assert expired.status_code == 401 and expired.json() == {"message": "Session expired"}
    assert client.get(SCHEDULE, headers=admin(client)).status_code == 200


def test_a_delay_is_measured_by_the_client_within_50_ms(client):
    _, baseline = timed(client, "/cron-status")
    arm(client, method="GET", path="/cron-status", delayMs=400, times=1)
    answer, took = timed(client, "/cron-status")
    assert answer.status_code == 200 and 400 <= took <= 400 + baseline + 50, took
    arm(client, operationId="getCronStatus", delayMs=[200, 300], times=1)
    _, ranged = timed(client, "/cron-status")
    assert 200 <= ranged <= 300 + baseline + 50, ranged


def test_a_dropped_connection_is_a_network_error(client):
    arm(client, operationId="getCronStatus", drop=True, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/cron-status")
    assert client.get("/cron-status").status_code == 200
    (entry,) = client.get("/__mock/requests", params={"operationId": "getCronStatus", "limit": 2}).json()["requests"][
        :1
    ]
    assert "dropped the connection" in " ".join(entry["problems"])


def test_probability_is_honoured(client):
    arm(client, operationId="getCronStatus", status=503, probability=0.5)
    statuses = [client.get("/cron-status").status_code for _ in range(200)]
    assert 60 <= statuses.count(503) <= 140 and set(statuses) == {200, 503}
    arm(client, operationId="listTimezones", status=503, probability=0)
    assert client.get("/api/v1/admin/cron-settings/timezones", headers=admin(client)).status_code == 200


def test_faults_never_touch_the_control_api_and_reset_clears_them(client):
    arm(client, path="/*", status=500)  # every path: the contract's, never the control API's
    assert client.get("/__mock/clock").status_code == 200
    named = client.post("/__mock/faults", json={"path": "/__mock/clock", "status": 500})
    assert named.status_code == 404 and "control API" in named.json()["message"]  # refused: it could never fire
    arm(client, operationId="getCronStatus", status=500)
    assert client.post("/__mock/reset", json={"now": "2026-02-12T07:00:00.000Z", "frozen": True}).status_code == 200
    assert client.get("/cron-status").status_code == 200 and client.get("/__mock/faults").json()["routeFaults"] == []


def test_clearing_counts_the_faults_the_list_showed(client):
    arm(client, operationId="getCronStatus", status=500, times=1)
    assert client.get("/cron-status").status_code == 500  # used up: no longer listed
    arm(client, operationId="listTimezones", status=503)  # until cleared
    arm(client, slotNumber=2)
    listed = client.get("/__mock/faults").json()
    assert len(listed["faults"]) + len(listed["routeFaults"]) == 2
    assert client.request("DELETE", "/__mock/faults", json={}).json() == {"cleared": 2}


@pytest.mark.parametrize(
    "fault",
    [{"operationId": "getCronStatus"}, {"path": "/cron-status", "drop": False},
     {"slotNumber": 1, "path": "/x", "status": 500},
     {"operationId": "getCronStatus", "status": 500, "id": "mine"}],
    ids=["no-effect", "drop-false", "slot-and-route", "own-id"],
)  # fmt: skip
def test_a_fault_that_means_nothing_is_refused(client, fault):
    answer = client.post("/__mock/faults", json=fault)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "VALIDATION_ERROR"


def test_latency_for_every_route(serve):
    url, _ = serve("--latency", "150-200", "--quiet")
    with httpx.Client(base_url=url) as client:
        _, took = timed(client, "/cron-status")
        _, control = timed(client, "/__mock/clock")
    assert 150 <= took <= 260 and control < 100, (took, control)
