"""`watch` for days: GETs only, no credential in any output, a malformed body a contract alert (never a
crash), exit 2 for a target that never answered, polls around both midnights and backoff while down
(driven, no wall-clock waiting), and its state flat over a simulated week of polls."""

from __future__ import annotations

import gc
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from zoneinfo import ZoneInfo

import httpx
import pytest

from contract_tests.in_process import in_process
from contract_tests.oracle import parse_instant
from contract_tests.redaction import JWT, Secrets
from contract_tests.target import forged_token, free_port
from contract_tests.watch.pacing import next_wait
from contract_tests.watch.reading import Reader
from contract_tests.watch.watcher import Options, Watcher

from ..conftest import make_app
from ..preloaded import run_module
from .test_watch import DECLARATIONS, QUEUED, ROOT, SCHEDULE, THREE_SLOTS, Collect, Receiver

TOKEN = "s3cret-admin-token-not-a-jwt-Zq8w1x"  # known to the run: masked wherever it shows
MINTED = forged_token()  # a JWT the target answers that the run never held: masked by its shape


class Echoing(BaseHTTPRequestHandler):
    """A broken backend that answers every read with what it was sent: bodies that are not the
    contract's, carrying the token the watch sent and a JWT of its own."""

    def do_GET(self) -> None:
        if self.path.startswith("/__mock"):
            self.send_response(404)
            self.end_headers()
            return
        sent = self.headers.get("Authorization", "")
        text = (
            f"<html>oops: {sent}</html>"
            if self.path == "/cron-status"
            else json.dumps({"success": True, "data": {"echo": sent, "token": MINTED, "password": TOKEN}})
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(text.encode())

    def log_message(self, *args) -> None:
        pass


def test_no_credential_in_any_output_and_a_malformed_body_is_a_contract_alert(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echoing)
    Thread(target=server.serve_forever, daemon=True).start()
    receiver = Receiver()
    jsonl, report = tmp_path / "events.jsonl", tmp_path / "report.html"
    url = f"http://127.0.0.1:{server.server_port}"
    arguments = [url, "--once", "--token", TOKEN, "--jsonl", str(jsonl), "--webhook", receiver.url,
                 "--report", str(report), "--slow-ms", "30000"]  # fmt: skip
    try:
        run = run_module("contract_tests.watch", arguments, cwd=ROOT, timeout=60)
    finally:
        server.shutdown()
        server.server_close()
        receiver.stop()
    assert run.returncode == 1, run.stdout + run.stderr  # alerts, no crash
    events = [json.loads(line) for line in jsonl.read_text().splitlines()]
    contract = sorted(e["key"] for e in events if e["event"] == "alert")
    assert contract == ["contract cron-status", "contract history", "contract schedule", "contract status"]
    assert all(e["case"] in ("TC01", "TC03", "TC21", "TX09") for e in events if e["event"] == "alert")
    assert "the body is not JSON" in next(e["message"] for e in events if e["key"] == "contract cron-status")
    assert len(receiver.bodies) == 4 and all(b["text"].split()[1] == "ALERT" for b in receiver.bodies)
    outputs = {"console": run.stdout + run.stderr, "jsonl": jsonl.read_text(), "webhook": json.dumps(receiver.bodies),
               "report": report.read_text()}  # fmt: skip
    for name, text in outputs.items():
        leaked = [secret[:8] for secret in (TOKEN, MINTED, "webhook-path-secret", "T0SECRET") if secret in text]
        assert not leaked and not JWT.search(text), f"credentials in the {name}: {leaked}"
        assert "******" in text or name == "console", name  # the evidence is there, masked


@pytest.mark.parametrize(
    "command", [["contract_tests.watch"], ["mock_server", "watch"]], ids=["python-m", "novunt-mock"]
)
def test_a_target_that_never_answered_is_exit_2(command):
    module, *first = command
    run = run_module(module, [*first, f"http://127.0.0.1:{free_port()}", "--once"], cwd=ROOT, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stdout.splitlines()  # the start, the alert, a heartbeat, the summary
    assert "ALERT UPTIME unreachable" in run.stdout and "exit 2" in lines[-1] and len(lines) == 4, lines


class Fake:
    """A target in memory (httpx's MockTransport): down, or answering /cron-status; it keeps what was sent."""

    def __init__(self, down: bool = True) -> None:
        self.down = down
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(
            404, json={"success": False, "message": "no", "error": {"code": "NOT_FOUND", "message": "no"}}
        )


def fake_watcher(fake: Fake, token: str | None = None, every: float = 60) -> Watcher:
    reader = Reader(httpx.Client(transport=httpx.MockTransport(fake), base_url="http://fake"), token=token,
                    secrets=Secrets())  # fmt: skip
    return Watcher(reader, Options(every=every), target="http://fake", outputs=[Collect()])


def test_backoff_while_down_a_heartbeat_an_hour_and_the_deadline_without_waiting_on_the_wall_clock():
    waits: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> bool:
        waits.append(seconds)
        clock[0] += seconds
        return False

    watcher = fake_watcher(Fake(down=True), every=60)
    watcher.monotonic = lambda: clock[0]
    watcher.run(sleep, deadline=7400)
    assert waits[:5] == [60, 120, 240, 300, 300] and set(waits[4:-1]) == {300}, waits  # doubling up to 5 min
    assert sum(waits) == 7400 and watcher.polls == len(waits) and watcher.exit_status() == 2
    said = [(e.kind, e.monitor) for e in watcher.outputs[0].events]
    assert said.count(("alert", "unreachable")) == 1 and said.count(("heartbeat", "")) == 3  # at 0, 1 h, 2 h


def test_polls_come_a_minute_before_and_after_both_midnights_however_long_every_is():
    lagos = ZoneInfo("Africa/Lagos")  # local midnight is 23:00Z
    assert next_wait(600, 0, parse_instant("2026-02-12T22:55:00Z"), lagos) == 240  # 22:59Z
    assert next_wait(600, 0, parse_instant("2026-02-12T22:59:00Z"), lagos) == 120  # 23:01Z
    assert next_wait(600, 0, parse_instant("2026-02-12T23:55:00Z"), lagos) == 240  # 23:59Z: UTC's midnight
    assert next_wait(600, 0, parse_instant("2026-02-12T23:59:00Z"), lagos) == 120  # 00:01Z
    assert next_wait(600, 0, parse_instant("2026-02-12T12:00:00Z"), lagos) == 600


def test_gets_only_and_no_token_means_the_public_read_alone():
    fake = Fake(down=False)
    watcher = fake_watcher(fake)
    watcher.poll_once()
    assert [(r.method, r.url.path) for r in fake.sent] == [("GET", "/__mock/clock"), ("GET", "/cron-status")]
    assert "authorization" not in {k.lower() for r in fake.sent for k in r.headers}
    fake.sent.clear()
    with_token = fake_watcher(fake, token=TOKEN)
    with_token.poll_once()
    assert {r.method for r in fake.sent} == {"GET"} and len(fake.sent) == 5
    assert [r.headers.get("authorization") for r in fake.sent if r.url.path == "/cron-status"] == [None]


def deep_size(*roots: object) -> int:
    """Bytes held by ``roots`` and everything they reach (modules, types and functions not counted)."""
    seen, todo, total = set(), list(roots), 0
    skip = (type, type(sys), type(deep_size))
    while todo:
        item = todo.pop()
        if id(item) in seen or isinstance(item, skip):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        todo.extend(gc.get_referents(item))
    return total


def test_memory_stays_flat_over_a_simulated_week_of_polls():
    client = in_process(make_app("2026-02-12T00:30:00.000Z"))
    token = client.post("/__mock/tokens", json={"identifier": "admin", "expiresIn": 30 * 86400}).json()["token"]

    def admin(method: str, path: str, body: dict) -> None:
        code = client.get("/__mock/totp/admin").json()["code"]
        answer = client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {token}", "X-2FA-Code": code}
        )
        assert answer.status_code < 300, answer.text

    admin("PUT", SCHEDULE, THREE_SLOTS)
    watcher = Watcher(Reader(client, token=token, secrets=Secrets()), Options(slow_ms=60000), target="in-process",
                      outputs=[Collect()])  # fmt: skip
    watcher.outputs = []  # the console of a week: not kept by the test either
    sizes = []
    for day in range(7):
        admin("POST", f"{DECLARATIONS}/today/queue", QUEUED)
        client.post("/__mock/faults", json={"slotNumber": 3, "effect": "fail"})  # an alert and a clear a day
        for _ in range(8):  # every three hours
            client.post("/__mock/clock/advance", json={"seconds": 3 * 3600})
            watcher.poll_once()
        sizes.append(deep_size(watcher.tracker, watcher.book, watcher.judged))
        assert len(watcher.tracker.days) <= 2, day
    assert watcher.polls == 56 and watcher.book.alerts == 7 and sum(watcher.book.cleared.values()) >= 6
    assert max(sizes[1:]) - min(sizes[1:]) < 2000, sizes  # flat: one status kept is 3 kB, a day of them 24
