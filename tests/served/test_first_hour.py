"""Issue 25, the first hour: what a newcomer tripped over following the README literally, driven as
they did it (a served mock, the CLI as a process of its own, the proxy with a dead upstream)."""

from __future__ import annotations

import json
import signal
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contract_tests.target import free_port, wait_until_answers
from mock_server.domain.schedule import parse_iso

from ..conftest import MockServers, admin_headers
from ..preloaded import Forked, run_module

QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
ONE_SLOT = {"multiSlotEnabled": True, "distributionSlots": [{"slotNumber": 1, "rosPercentage": 2}], "rosPercentage": 2}


def cli(*arguments: str, env: dict[str, str] | None = None):
    return run_module("mock_server.cli", list(arguments), env=env, timeout=120)


def one_line_refusal(run) -> str:
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and run.stdout == "" and len(lines) == 1, run
    assert "Traceback" not in run.stderr and "developer.mozilla.org" not in run.stderr, run.stderr
    return lines[0]


def near_the_wall_clock(instant: str) -> bool:
    return abs(parse_iso(instant) - datetime.now(UTC)) < timedelta(seconds=60)


# -- state and clock ---------------------------------------------------------------------------------
def test_clock_reset_is_the_fixtures_on_the_wall_clock_running(serve):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T07:00:00Z", "--quiet")
    moved = cli("clock", "--url", url, "--reset")
    assert moved.returncode == 0, moved
    clock = json.loads(moved.stdout)
    assert clock["frozen"] is False and near_the_wall_clock(clock["now"]), clock
    assert httpx.post(f"{url}/__mock/reset", json={}).json()["frozen"] is False  # the route's {} too


def test_a_restart_with_a_state_file_keeps_the_clock(tmp_path: Path):
    state = tmp_path / "state.json"
    servers = MockServers(tmp_path)
    try:
        url, _ = servers.start("--state-file", str(state), "--frozen", "--start-time", "2026-02-12T07:00:00Z")
        assert cli("clock", "--url", url, "--advance", "172800").returncode == 0
        running, _ = servers.start("--state-file", str(tmp_path / "running.json"), "--quiet")
        assert cli("clock", "--url", running, "--advance", "172800").returncode == 0
        servers.stop()
        servers.processes.clear()
        url, log = servers.start("--state-file", str(state), "--quiet")
        assert httpx.get(f"{url}/__mock/clock").json() == {"now": "2026-02-14T07:00:00.000Z", "frozen": True}
        assert "as the state file kept it" in log.read_text()
        running, _ = servers.start("--state-file", str(tmp_path / "running.json"), "--quiet")
        clock = httpx.get(f"{running}/__mock/clock").json()
        ahead = parse_iso(clock["now"]) - datetime.now(UTC)
        assert clock["frozen"] is False and abs(ahead - timedelta(days=2)) < timedelta(seconds=60), clock
    finally:
        servers.stop()


def test_queueing_after_the_slot_s_time_answers_it_run(serve):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T16:00:00Z", "--quiet")  # the slot: 14:59:59 UTC
    with httpx.Client(base_url=url) as client:
        queued = client.post(QUEUE, json=ONE_SLOT, headers=admin_headers(client, code=True))
        assert queued.status_code == 201, queued.text
        read = client.get(STATUS, headers=admin_headers(client)).json()["data"]
    assert [s["status"] for s in queued.json()["data"]["distributionSlots"]] == ["COMPLETED"]
    assert queued.json()["data"]["distributionSlots"] == read["distributionSlots"]


def test_next_slot_with_nothing_queued_says_why(serve):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T07:00:00Z", "--quiet")
    moved = cli("clock", "--url", url, "--next-slot")
    assert moved.returncode == 0 and json.loads(moved.stdout)["ran"] == [], moved
    (line,) = moved.stderr.strip().splitlines()
    assert "Nothing ran" in line and "nothing queued for 2026-02-12" in line, line


def test_verify_leaves_a_served_mock_running_on_the_wall_clock_for_the_next_run(serve):
    """verify, then verify --as-live with a token minted afterwards, on one served mock."""
    url, _ = serve("--quiet")
    checked = cli("verify", url, "-k", "tc03 or tc27")
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    (said,) = [line for line in checked.stdout.splitlines() if "left the mock" in line]  # the suite says it
    assert "running" in said, said
    clock = httpx.get(f"{url}/__mock/clock").json()
    assert clock["frozen"] is False and near_the_wall_clock(clock["now"]), clock
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin@novunt.test"}).json()["token"]
    live = cli("verify", url, "--as-live", "--token", token, "-k", "tc03 or tc27")
    assert live.returncode == 0, live.stdout[-3000:]


# -- the CLI and the control API ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["clock", "--advance", "-5"], "seconds: -5.0 is less than or equal to the minimum of 0"),
        (["clock", "--until", "2020-01-01T00:00:00Z"], "until: 2020-01-01"),
        (["requests", "--status", "6xx"], "status: '6xx'"),
    ],
)
def test_a_refusal_of_the_mock_is_one_line_with_its_reason_and_exit_2(serve, arguments, says):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T07:00:00Z", "--quiet")
    line = one_line_refusal(cli(*arguments, "--url", url))
    assert line.startswith(f"novunt-mock {arguments[0]}: error: ") and says in line, line


@pytest.mark.parametrize("url", ["notaurl", "http://127.0.0.1:9"])
def test_a_mock_that_cannot_be_reached_is_one_line_and_exit_2(url):
    for command in ("clock", "requests"):
        line = one_line_refusal(cli(command, "--url", url))
        assert url in line, line


def test_mock_url_is_where_the_mock_is_for_every_command(serve):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T07:00:00Z", "--quiet")
    httpx.get(f"{url}/cron-status")
    clock = cli("clock", env={"MOCK_URL": url})
    assert clock.returncode == 0 and json.loads(clock.stdout)["now"] == "2026-02-12T07:00:00.000Z", clock
    journal = cli("requests", env={"MOCK_URL": url})
    assert journal.returncode == 0 and "GET /cron-status 200" in journal.stdout, journal


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ({"operationId": "nope", "status": 500}, "operationId: 'nope' is not an operation of the contract"),
        ({"path": "/nothing/here", "status": 500}, "path: no route of the contract matches '/nothing/here'"),
        ({"path": "/nothing/*", "status": 500}, "path: no route of the contract is under '/nothing'"),
        ({"method": "PUT", "path": "/cron-status", "status": 500}, "method: /cron-status takes GET"),
        ({"path": "/__mock/clock", "status": 500}, "the mock's control API"),
        ({"status": 500}, "one of operationId, method or path is required"),
    ],
)
def test_a_fault_that_could_never_fire_is_refused_naming_why(inprocess, fault, says):
    """Well-formed but naming what is not there: 404 (a schema-valid body is not a 400, which the
    control API's fuzz holds it to); no selector at all: 400, said in words."""
    refused = inprocess.post("/__mock/faults", json=fault)
    assert refused.status_code == (400 if "one of" in says else 404), refused.text
    assert says in refused.json()["message"], refused.text
    assert inprocess.get("/__mock/faults").json()["routeFaults"] == []


def test_a_bad_date_in_the_path_names_the_parameter(inprocess):
    refused = inprocess.get(
        "/api/v1/admin/daily-declaration-returns/not-a-date/details", headers=admin_headers(inprocess)
    )
    assert refused.status_code == 400 and refused.json()["message"].startswith("date: 'not-a-date'"), refused.text


def test_the_favicon_is_served_and_the_journal_keeps_the_contract_s_routes(inprocess):
    icon = inprocess.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    inprocess.get("/no/such/route")
    inprocess.get("/cron-status")
    assert [e["path"] for e in inprocess.get("/__mock/requests").json()["requests"]] == ["/cron-status"]


def test_the_page_header_shows_an_iso_date_and_the_zone():
    page = (Path(__file__).resolve().parents[2] / "mock_server" / "static" / "index.html").read_text()
    header = page[page.index('getElementById("now").textContent') :].split(";")[0]
    assert "s.localTime.slice(0, 10)" in header and "s.timezone" in header and "toLocale" not in header, header


# -- the proxy ---------------------------------------------------------------------------------------
def test_the_proxy_with_its_upstream_down_answers_502_counts_it_and_stops_on_the_first_ctrl_c(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    port = free_port()
    output = tmp_path / "proxy.log"
    proxy = Forked("mock_server", ["proxy", "--upstream", dead, "--port", str(port)], output)
    url = f"http://127.0.0.1:{port}"
    assert wait_until_answers(f"{url}/__proxy/requests", is_up=lambda: proxy.poll() is None)
    answered = httpx.get(f"{url}/cron-status")
    assert answered.status_code == 502 and answered.json()["error"]["code"] == "BAD_GATEWAY", answered.text
    assert dead in answered.json()["message"]
    refused = httpx.put(f"{url}/api/v1/admin/cron-settings/distribution-schedule", json={})
    assert refused.json()["message"].endswith(
        "to send PUT /api/v1/admin/cron-settings/distribution-schedule (updateDistributionSchedule) to " + dead
    )
    proxy.send_signal(signal.SIGINT)
    proxy.wait(timeout=5)
    out = output.read_text()
    assert "Traceback" not in out and out.count("UPSTREAM DOWN GET /cron-status") == 1, out
    assert "0 violation(s) over 1 exchange(s), 1 not answered by the upstream (502)" in out, out


def test_the_first_ctrl_c_stops_the_proxy_while_the_upstream_hangs(tmp_path):
    with socket.socket() as hanging:  # accepts connections into its backlog, never answers
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(8)
        port = free_port()
        output = tmp_path / "proxy.log"
        upstream = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        proxy = Forked("mock_server", ["proxy", "--upstream", upstream, "--port", str(port)], output)
        url = f"http://127.0.0.1:{port}"
        assert wait_until_answers(f"{url}/__proxy/requests", is_up=lambda: proxy.poll() is None)
        answers: list[int] = []
        waiting = threading.Thread(
            target=lambda: answers.append(httpx.get(f"{url}/cron-status", timeout=30).status_code)
        )
        waiting.start()
        hanging.settimeout(10)
        connection, _ = hanging.accept()  # the proxy is waiting on the upstream: the request is in flight
        with connection:
            proxy.send_signal(signal.SIGINT)
            proxy.wait(timeout=5)
            waiting.join(10)
    assert answers == [503] and "Traceback" not in output.read_text(), output.read_text()
