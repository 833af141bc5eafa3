"""The hostile battery against a served mock (``novunt-mock serve``, as ``make serve`` starts it):
what an attacker, a hostile web page or a careless user sends gets a 4xx with the envelope, never a
5xx; memory stays flat; the state is unchanged; the control API answers only the developer's pages.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from mock_server.state.fixtures import read_yaml

pytestmark = pytest.mark.xdist_group("hostile_input")  # its tests share one module fixture: one worker

ROOT = Path(__file__).resolve().parent.parent
DEEP = "[" * 1000 + "]" * 1000
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
MODIFY = "/api/v1/admin/daily-declaration-returns/today/modify"


def routes() -> list[tuple[str, str]]:
    """Every (method, concrete path) of both documents."""
    found = []
    for base, name in (("", "contract.yaml"), ("/__mock", "control.yaml")):
        document = read_yaml(ROOT / "openapi" / name)
        for template, item in document["paths"].items():
            path = base + template.replace("{date}", "2026-02-12").replace("{key}", "platform_day_start_utc")
            path = path.replace("{identifier}", "admin").replace("{exportId}", "nothing")
            found += [(method.upper(), path) for method in item if method in ("get", "put", "post", "patch", "delete")]
    return found


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    """One served mock for the battery (a frozen clock, so that nothing changes by itself)."""
    from contract_tests.target import free_port, wait_until_answers

    from .preloaded import Forked

    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    arguments = ["serve", "--port", str(port), "--frozen", "--start-time", "2026-02-12T07:00:00.000Z"]
    process = Forked("mock_server", arguments, log)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_answers(f"{url}/cron-status", is_up=lambda: process.poll() is None), log.read_text()
    client = httpx.Client(base_url=url, timeout=60)
    yield client, process, log
    client.close()
    process.terminate()
    process.wait(timeout=10)
    # An access line ends "METHOD PATH STATUS LATENCYms": the status is the second field from the end.
    errors = [
        line
        for line in log.read_text().splitlines()
        if "mock_server.access" in line and line.split()[-2].startswith("5")
    ]
    assert not errors, f"the battery met 5xx answers: {errors[:5]}"


def admin(client: httpx.Client, code: bool = True) -> dict:
    token = client.post("/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    if code:
        headers["X-2FA-Code"] = client.get("/__mock/totp/admin").json()["code"]
    return headers


def state(client: httpx.Client) -> dict:
    view = client.get("/__mock/state").json()
    for identity in view["identities"]:  # codes roll over with the wall clock's steps
        identity.pop("code", None)
        identity.pop("validForSeconds", None)
    return view


def is_envelope(response: httpx.Response) -> bool:
    body = response.json()
    return body.get("success") is False and body["error"]["code"] and body["message"]


def test_deep_json_on_every_route_is_a_400(mock):
    client, _, _ = mock
    before = state(client)
    headers = {**admin(client), "Content-Type": "application/json"}
    for method, path in routes():
        response = client.request(method, path, headers=headers, content=DEEP)
        assert response.status_code < 500, (method, path, response.status_code, response.text[:200])
        if method != "GET":
            assert response.status_code == 400 and response.json()["error"]["code"] == "INVALID_JSON", (method, path)
    preview = client.get(f"{SCHEDULE}/preview", headers=headers, params={"timezone": "UTC", "slots": DEEP})
    assert preview.status_code == 400 and "slots" in preview.text
    assert state(client) == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", SCHEDULE, {"timezone": "UTC", "numberOfSlots": 1,
                           "schedules": [{"slotNumber": 1, "hour": 9, "minute": 0, "second": 0, "label": "\ud800"}]},
         "schedules[0].label"),
        ("POST", QUEUE, {"rosPercentage": 1, "description": "\udfff"}, "description"),
        ("PATCH", MODIFY, {"description": "\ud800"}, "description"),
        ("POST", "/__mock/faults", {"slotNumber": 1, "error": "\ud800"}, "error"),
    ],
    ids=["schedule-label", "queue-description", "modify-description", "fault-error"],
)  # fmt: skip
def test_a_lone_surrogate_is_refused_naming_the_field(mock, method, path, body, field):
    client, _, _ = mock
    before = state(client)
    raw = json.dumps(body)  # ASCII, with the \\ud800 escape as a client would send it
    response = client.request(method, path, headers={**admin(client), "Content-Type": "application/json"}, content=raw)
    assert response.status_code == 400 and is_envelope(response), response.text
    assert "surrogate" in response.text and field in response.text
    assert state(client) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/__mock/tokens", {"identifier": "admin", "expiresIn": 10**18}),
        ("/__mock/faults", {"slotNumber": 1, "times": 9223372036854775808}),
        ("/__mock/clock/advance", {"seconds": 10**300}),
        ("/__mock/clock/advance", {"until": "9999-12-31T23:59:58.000Z"}),
        ("/__mock/reset", {"now": "1969-12-31T23:59:59.000Z"}),
        ("/__mock/reset", {"now": "0358-02-19T00:00:00.000Z"}),
    ],
    ids=["token-lifetime", "fault-times", "seconds", "until-9999", "before-1970", "year-358"],
)
def test_numbers_and_instants_out_of_range_are_400(mock, path, body):
    client, _, _ = mock
    before = state(client)
    response = client.post(path, json=body)
    assert response.status_code == 400 and is_envelope(response), response.text
    assert state(client) == before
    for route in ("/cron-status", "/__mock/clock", "/__mock/state"):
        assert client.get(route).status_code == 200


def _send_body(port: int, size: int) -> tuple[int, bool]:
    """POST ``size`` bytes of JSON to the login route on a raw socket: (status, closed after)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        head = (
            f"POST /api/v1/admin/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < size:
                sock.sendall(chunk[: min(len(chunk), size - sent)])
                sent += min(len(chunk), size - sent)
        except OSError:
            pass  # the server answered and closed: the rest is refused
        answer = b""
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    return int(answer.split(b" ", 2)[1]), True


def test_big_bodies_are_413_and_memory_stays_flat(mock):
    client, process, _ = mock
    port = int(str(client.base_url).rsplit(":", 1)[1])
    start = rss_kib(process.pid)
    assert _send_body(port, 1024 * 1024 + 1)[0] == 413
    results: list[int] = []
    workers = [
        threading.Thread(target=lambda: results.append(_send_body(port, 100 * 1024 * 1024)[0])) for _ in range(5)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [413] * 5
    chunked = client.post("/api/v1/admin/login", content=iter([b" " * 600_000, b" " * 600_000]))
    assert chunked.status_code == 413 and chunked.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert rss_kib(process.pid) - start < 20 * 1024, "memory grew by more than 20 MB"


def test_a_forged_host_is_refused_on_every_route(mock):
    client, _, _ = mock
    for method, path in routes():
        response = client.request(method, path, headers={"Host": "attacker.example"})
        assert response.status_code == 400 and is_envelope(response), (method, path, response.status_code)
    assert "Admin123!" not in client.get("/__mock/state").text  # and no password even for the right host


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example", "Content-Type": "application/json"},
        {"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"},
        {"Origin": "null", "Content-Type": "application/json"},
    ],
    ids=["foreign-origin", "cross-site", "null-origin"],
)
@pytest.mark.parametrize("path", ["/__mock/reset", "/__mock/clock/pause", "/__mock/tokens"])
def test_another_site_cannot_drive_the_control_api(mock, headers, path):
    client, _, _ = mock
    before = state(client)
    response = client.post(path, headers=headers, content=b'{"identifier": "admin"}')
    assert response.status_code == 403 and is_envelope(response)
    assert state(client) == before


@pytest.mark.parametrize("path", ["/__mock/reset", "/__mock/clock/pause", "/__mock/clock/resume"])
def test_control_changes_need_json(mock, path):
    client, _, _ = mock
    before = state(client)
    for headers, body in (
        ({}, None),
        ({"Content-Type": "text/plain"}, b"{}"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"a=1"),
    ):
        response = client.post(path, headers=headers, content=body)
        assert response.status_code == 415 and is_envelope(response)
    assert state(client) == before
    allowed = client.post("/__mock/clock/pause", json={}, headers={"Origin": "http://localhost:3000"})
    assert allowed.status_code == 200  # the admin app's own origin may


def test_a_path_cannot_forge_a_log_line(mock):
    client, _, log = mock
    client.get("/cron-%0aFORGED%20GET%20/admin%20200")
    deadline = time.monotonic() + 5  # the line is written just after the answer
    while "FORGED" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = log.read_text().splitlines()
    assert not any(line.startswith("FORGED") for line in lines)
    assert any("\\nFORGED" in line for line in lines)


def test_a_redirect_names_no_host(mock):
    client, _, _ = mock
    response = client.get("/cron-status/", headers={"Host": "localhost"}, follow_redirects=False)
    assert response.status_code in (307, 308) and response.headers["location"] == "/cron-status"


CONTROL_FUZZ_EXAMPLES = os.environ.get("CONTROL_FUZZ_EXAMPLES", "3")  # the coverage phase in full; make hunt: 100


def test_schemathesis_finds_nothing_in_the_control_api(mock, tmp_path):
    """Every phase of Schemathesis on openapi/control.yaml: no 5xx, every answer as documented."""
    from .preloaded import run_module

    client, _, _ = mock
    run = run_module(
        "schemathesis.cli",
        ["run", str(ROOT / "openapi" / "control.yaml"), "--url", f"{client.base_url}/__mock",
         "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", CONTROL_FUZZ_EXAMPLES, "--seed", "1"],
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    client.post("/__mock/reset", json={"now": "2026-02-12T07:00:00.000Z", "frozen": True})
