"""State that survives (``--state-file``, ``kill -9``), memory that stays bounded over a simulated
year, the clock and 2FA for people, start-up refusals in one line, and the control API's token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pyotp
import pytest
from starlette.testclient import TestClient

from contract_tests.target import free_port, wait_until_answers

from ..conftest import admin_headers, make_app

ROOT = Path(__file__).resolve().parents[2]
SECRET = "NOVUNTMOCKADMINTOTPSECRETKEYABCD"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
TOGGLE = f"{SCHEDULE}/toggle"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
MOCK = [sys.executable, "-m", "mock_server"]


def start(*arguments: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("a") as sink:
        process = subprocess.Popen([*MOCK, "serve", "--port", str(port), *arguments], stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_answers(f"{url}/cron-status", is_up=lambda: process.poll() is None), log.read_text()
    return process, url


def headers_for(url: str, code: bool = True) -> dict:
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    found = {"Authorization": f"Bearer {token}"}
    if code:
        found["X-2FA-Code"] = httpx.get(f"{url}/__mock/totp/admin").json()["code"]
    return found


def test_kill_9_and_restart_with_a_state_file_loses_nothing(tmp_path):
    state, log = tmp_path / "state.json", tmp_path / "server.log"
    process, url = start("--state-file", str(state), "--frozen", "--start-time", "2026-02-12T07:00:00.000Z", log=log)
    three = {"timezone": "Africa/Lagos", "numberOfSlots": 2, "schedules": [
        {"slotNumber": 1, "hour": 9, "minute": 0, "second": 0},
        {"slotNumber": 2, "hour": 15, "minute": 0, "second": 0}]}  # fmt: skip
    assert httpx.put(f"{url}{SCHEDULE}", headers=headers_for(url), json=three).status_code == 200
    queued = {"multiSlotEnabled": True, "rosPercentage": 2, "distributionSlots": [
        {"slotNumber": 1, "rosPercentage": 1}, {"slotNumber": 2, "rosPercentage": 1}]}  # fmt: skip
    assert httpx.post(f"{url}{QUEUE}", headers=headers_for(url), json=queued).status_code == 201
    httpx.post(f"{url}/__mock/clock/advance", json={"to": "next-slot"})
    before = httpx.get(f"{url}{STATUS}", headers=headers_for(url, code=False)).json()["data"]
    assert [s["status"] for s in before["distributionSlots"]] == ["COMPLETED", "PENDING"]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process, url = start("--state-file", str(state), "--frozen", "--start-time", "2026-02-12T09:30:00.000Z", log=log)
    try:
        after = httpx.get(f"{url}{STATUS}", headers=headers_for(url, code=False)).json()["data"]
        assert after == before
        again = httpx.post(f"{url}{QUEUE}", headers=headers_for(url), json=queued)
        assert again.status_code == 409  # the day queued before the kill is still there
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "state in " + str(state) in log.read_text()


def test_a_broken_state_file_stops_the_start_in_one_line(tmp_path):
    broken = tmp_path / "state.json"
    broken.write_text("{not json")
    run = subprocess.run([*MOCK, "serve", "--state-file", str(broken), "--port", str(free_port())],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2 and run.stdout == "" and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "not a state file" in run.stderr
    reset = subprocess.run([*MOCK, "reset", "--state-file", str(broken)], capture_output=True, text=True, timeout=60)
    assert reset.returncode == 0 and json.loads(broken.read_text())["format"] == 1


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--host", "0.0.0.0"], "--control-token"),
        (["--origin", "*"], "refused"),
        (["--mongo-uri", "mongodb://127.0.0.1:1/novunt"], "cannot reach MongoDB"),
        (["--mongo-uri", "not-a-uri"], "not a MongoDB URI"),
        (["--fixtures", "/no/such/folder"], "no such folder"),
        (["--port", "abc"], "a port is a number"),
        (["--start-time", "1969-07-20T20:17:00Z"], "clock range"),
    ],
    ids=["public-host", "any-origin", "mongo-unreachable", "mongo-bad-uri", "fixtures", "port", "start-time"],
)
def test_start_up_refusals_are_one_line(arguments, says):
    run = subprocess.run([*MOCK, "serve", *arguments], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == "", run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in run.stderr, run.stderr
    assert "_port" not in lines[0] and "Settings" not in lines[0]


def test_an_edited_document_that_is_not_openapi_is_one_line(monkeypatch, capsys):
    """A developer's edit that breaks openapi/contract.yaml stops the start in one line naming where,
    not Connexion's dump of the whole subtree; the document is checked again at the next start."""
    import mock_server.app
    from mock_server.cli import main
    from mock_server.resources import CONTRACT

    read = mock_server.app.read_yaml

    def edited(path):
        document = read(path)
        if path == CONTRACT:
            document["paths"]["/cron-status"]["summary"] = 5
        return document

    monkeypatch.setattr(mock_server.app, "read_yaml", edited)
    for _ in range(2):  # refused again: a failing document is never remembered as checked
        assert main(["serve", "--port", str(free_port())]) == 2
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert out == "" and len(lines) == 1, err
        assert "not valid OpenAPI 3.0: at paths//cron-status/summary: 5 is not of type 'string'" in lines[0], err


def test_a_port_in_use_is_one_line_with_a_hint(tmp_path):
    process, url = start(log=tmp_path / "first.log")
    try:
        port = url.rsplit(":", 1)[1]
        run = subprocess.run([*MOCK, "serve", "--port", port], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and run.stdout == "" and "in use" in run.stderr and "--port" in run.stderr
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_control_token_guards_the_control_api(tmp_path):
    process, url = start("--control-token", "s3cret-token", log=tmp_path / "server.log")
    try:
        assert httpx.get(f"{url}/__mock/clock").status_code == 403
        assert httpx.get(f"{url}/__mock/clock", headers={"X-Mock-Control-Token": "wrong"}).status_code == 403
        assert httpx.get(f"{url}/__mock/clock", headers={"X-Mock-Control-Token": "s3cret-token"}).status_code == 200
        clock = subprocess.run([*MOCK, "clock", "--url", url, "--control-token", "s3cret-token"],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        assert clock.returncode == 0 and '"now"' in clock.stdout
        assert httpx.get(f"{url}/cron-status").status_code == 200  # the contract needs no control token
        page = httpx.get(f"{url}/__mock/")
        assert page.status_code == 200 and "X-Mock-Control-Token" in page.text  # the page asks for it
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_no_control_serves_no_control_api():
    client = TestClient(make_app(no_control=True))
    assert client.get("/__mock/clock").status_code == 404
    assert client.get("/cron-status").status_code == 200


def test_a_reset_and_clock_now_go_back_to_the_wall_clock():
    client = TestClient(make_app(frozen=False))
    client.post("/__mock/clock/advance", json={"seconds": 23 * 3600})
    assert client.post("/__mock/reset", json={}).status_code == 200
    now = client.get("/__mock/clock").json()["now"]
    assert abs(_seconds(now) - time.time()) < 60
    client.post("/__mock/clock/advance", json={"seconds": 5 * 86400})
    assert client.post("/__mock/clock/now", json={}).json()["frozen"] is False
    assert abs(_seconds(client.get("/__mock/clock").json()["now"]) - time.time()) < 60


def _seconds(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_an_authenticator_app_code_works_after_the_clock_moved():
    client = TestClient(make_app(start="2030-06-01T12:00:00.000Z"))
    wall_code = pyotp.TOTP(SECRET).now()  # what the phone shows
    headers = {**admin_headers(client), "X-2FA-Code": wall_code}
    assert client.patch(TOGGLE, headers=headers, json={"isEnabled": False}).status_code == 200
    strict = TestClient(make_app(start="2030-06-01T12:00:00.000Z", strict_2fa=True))
    refused = strict.patch(
        TOGGLE, headers={**admin_headers(strict), "X-2FA-Code": wall_code}, json={"isEnabled": False}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "2FA_CODE_INVALID"


def test_strict_2fa_spends_a_code_only_on_a_request_that_passes_validation():
    client = TestClient(make_app(strict_2fa=True))
    headers = admin_headers(client, code=True)
    invalid = client.patch(TOGGLE, headers=headers, json={"isEnabled": "maybe"})
    assert invalid.status_code == 400
    retry = client.patch(TOGGLE, headers=headers, json={"isEnabled": False})
    assert retry.status_code == 200, retry.text  # the same code, not burnt by the invalid request
    replay = client.patch(TOGGLE, headers=headers, json={"isEnabled": True})
    assert replay.status_code == 403 and "already used" in replay.json()["message"]


def test_tokens_that_never_expire_and_other_secrets_are_refused():
    client = TestClient(make_app(jwt_secret="a-secret-of-this-laptop-only-32-bytes"))
    payload = {"id": "65c9f0a1b2c3d4e5f6a70001", "email": "admin@novunt.test", "role": "admin",
               "twoFAEnabled": True, "is2FAVerified": True, "iat": 1770000000}  # fmt: skip
    forever = jwt.encode({**payload, "exp": 10_000_000_000}, "a-secret-of-this-laptop-only-32-bytes")  # year 2286
    assert client.get(SCHEDULE, headers={"Authorization": f"Bearer {forever}"}).status_code == 401
    default = jwt.encode({**payload, "exp": 1770100000}, "novunt-mock-jwt-secret-not-for-production")
    assert client.get(SCHEDULE, headers={"Authorization": f"Bearer {default}"}).status_code == 401
    assert client.get(SCHEDULE, headers=admin_headers(client)).status_code == 200


YEAR = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.year import simulate_year, START
from mock_server.app import create_app

def rss():
    return int(next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS")).split()[1])

create_app()  # every import and the first app's start-up cost, before the baseline
start = rss()
app = simulate_year(365, keep=True)
year = rss()
from starlette.testclient import TestClient
TestClient(app, base_url="http://localhost").post("/__mock/reset", json={{}})
print(json.dumps({{"start": start, "year": year, "reset": rss()}}))
"""


def test_a_simulated_year_keeps_memory_bounded():
    run = subprocess.run([sys.executable, "-c", YEAR.format(root=str(ROOT))], capture_output=True, text=True,
                         timeout=300, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"})  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["year"] - found["start"] < 30 * 1024, f"a simulated year took RSS from {found}"
    assert found["reset"] - found["start"] < 30 * 1024, found
