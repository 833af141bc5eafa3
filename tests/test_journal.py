"""The request journal: what a session of the admin app leaves in it (redacted), its filters, its
bound, and ``novunt-mock requests`` over HTTP."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import tracemalloc

import httpx
from starlette.testclient import TestClient

from mock_server.http.journal import Journal, one_line

from .conftest import admin_headers, make_app

LOGIN = "/api/v1/admin/login"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
SECRET = "NOVUNTMOCKADMINTOTPSECRETKEYABCD"


def test_a_session_of_todays_app_leaves_exactly_its_requests_redacted():
    client = TestClient(make_app())
    code = client.get("/__mock/totp/admin").json()["code"]
    credentials = {"identifier": "admin@novunt.test", "password": "Admin123!"}
    client.post(LOGIN, json=credentials)  # today's app: first without the code
    token = client.post(LOGIN, json={**credentials, "twoFACode": code}).json()["data"]["token"]
    auth = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/settings/public/platform_day_start_utc")
    client.get(SCHEDULE, headers=auth)
    one_slot = [{"slotNumber": 1, "hour": 8, "minute": 0, "second": 0}]
    client.put(
        SCHEDULE, headers=auth, json={"timezone": "UTC", "numberOfSlots": 1, "schedules": one_slot, "twoFACode": code}
    )
    client.post(QUEUE, headers=auth, json={"rosPercentage": 1, "twoFACode": code})
    client.get(STATUS, headers=auth, params={"twoFACode": code})
    entries = client.get("/__mock/requests").json()["requests"]
    assert [(e["method"], e["path"], e["status"], e["operationId"]) for e in entries] == [
        ("POST", LOGIN, 403, "login"),
        ("POST", LOGIN, 200, "login"),
        ("GET", "/api/v1/settings/public/platform_day_start_utc", 200, "getPublicSettingUnderApiPrefix"),
        ("GET", SCHEDULE, 200, "getDistributionSchedule"),
        ("PUT", SCHEDULE, 200, "updateDistributionSchedule"),
        ("POST", QUEUE, 201, "queueTodayDistribution"),
        ("GET", STATUS, 200, "getTodayDistributionStatus"),
    ]
    assert (
        entries[0]["problems"] == [entries[0]["response"]["message"]] and "code required" in entries[0]["problems"][0]
    )
    assert entries[4]["body"]["twoFACode"] == "[redacted]" and entries[6]["query"]["twoFACode"] == "[redacted]"
    assert entries[1]["response"]["data"]["token"] == "[redacted]"
    assert entries[3]["headers"]["authorization"] == "[redacted]"
    everything = json.dumps(entries)
    for secret in (token, code, "Admin123!", SECRET):
        assert secret not in everything


def test_filters_and_clearing():
    client = TestClient(make_app())
    client.get(SCHEDULE)  # 401
    client.get(SCHEDULE, headers=admin_headers(client))
    client.get("/cron-status")
    find = lambda **params: client.get("/__mock/requests", params=params).json()["requests"]  # noqa: E731
    assert [e["status"] for e in find(status="4xx")] == [401]
    assert [e["path"] for e in find(path="/api/v1/admin/cron")] == [SCHEDULE, SCHEDULE]
    assert [e["path"] for e in find(limit=1)] == ["/cron-status"]
    first = find()[0]["id"]
    assert len(find(since=first)) == 2 and find(operationId="getCronStatus")[0]["status"] == 200
    assert client.request("DELETE", "/__mock/requests", json={}).json() == {"cleared": 3}
    assert find() == []
    assert not any(e["path"].startswith("/__mock") for e in find())  # control calls are not journalled


def test_the_ring_buffer_is_bounded():
    journal = Journal(1000)
    entry = {"method": "GET", "path": "/cron-status", "status": 200, "operationId": "getCronStatus", "body": "x" * 200}
    for _ in range(10_000):
        journal.record(dict(entry))
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(100_000):
        journal.record(dict(entry))
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    found = journal.entries()
    assert len(found) == 1000 and found[-1]["id"] == 110_000
    assert grown < 512 * 1024, f"memory grew by {grown} bytes over 100k requests"


def test_requests_prints_one_line_each_with_the_reason_and_follows(serve):
    url, _ = serve("--frozen", "--quiet")
    httpx.put(f"{url}{SCHEDULE}", headers={"Authorization": "Bearer nope"}, json={})
    printed = subprocess.run([sys.executable, "-m", "mock_server", "requests", "--url", url],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    (line,) = [found for found in printed.stdout.strip().splitlines() if " PUT " in found]
    assert f"PUT {SCHEDULE} 401" in line and "updateDistributionSchedule" in line and "Authentication required" in line
    follower = subprocess.Popen([sys.executable, "-m", "mock_server", "requests", "--url", url, "--follow",
                                 "--status", "2xx"], stdout=subprocess.PIPE, text=True)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(each) for each in follower.stdout], daemon=True).start()
    try:
        backlog = lines.get(timeout=60)  # the serve fixture's readiness probe: the follower is reading
        httpx.get(f"{url}/cron-status", params={"after": "backlog"})
        followed = lines.get(timeout=60)
    finally:
        follower.terminate()
        follower.communicate(timeout=10)
    printed_statuses = [each.split()[3] for each in (backlog, followed)]  # time, method, target, status
    assert printed_statuses == ["200", "200"], f"--status 2xx printed {backlog!r} and {followed!r}"
    assert "GET /cron-status?after=backlog 200" in followed, f"--follow printed {followed!r}"


def test_a_forged_value_cannot_break_or_colour_a_printed_line():
    client = TestClient(make_app())
    forged = "Lagos\r\n12:00:00.000 GET /forged 200\x1b[2J"  # a second line, then clear the screen
    client.get(f"{SCHEDULE}/preview", params={"timezone": forged}, headers=admin_headers(client))
    (entry,) = [e for e in client.get("/__mock/requests").json()["requests"] if e["path"] != "/__mock/totp/admin"]
    line = one_line(entry)  # the query and the problem that quotes it, both printed
    assert entry["status"] == 400 and line.count("is not a supported timezone") == 1  # said once
    assert not any(ord(char) < 32 or ord(char) == 127 for char in line), repr(line)
