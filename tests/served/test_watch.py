"""`watch` on a served mock, as QA runs it through a day: the CLI end to end (`--every 1s` while the test
moves the mock's clock through a three-slot day with slot 2 stuck and slot 3 failing), its outputs
agreeing with each other, and the mock killed and restarted under a driven watch.

"Exactly these alerts", as decided for issue 27: the stuck slot 2 (TC21, stuck-slot), its clearing
after the force-reset, and the FAILED slot 3 (TC23, failed-slot), whose line quotes its error and says
the day's status FAILED (the day's FAILED is that slot's: not an alert of its own). Nothing else.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from contract_tests.redaction import JWT, Secrets
from contract_tests.target import free_port, wait_until_answers
from contract_tests.watch.events import Event
from contract_tests.watch.reading import Reader
from contract_tests.watch.watcher import Options, Watcher

from ..preloaded import Forked

ROOT = Path(__file__).resolve().parents[2]
START = "2026-02-12T07:00:00.000Z"  # 08:00 in Lagos
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
DECLARATIONS = "/api/v1/admin/daily-declaration-returns"
THREE_SLOTS = {"timezone": "Africa/Lagos", "numberOfSlots": 3, "schedules": [
    {"slotNumber": 1, "hour": 9, "minute": 0, "second": 0}, {"slotNumber": 2, "hour": 15, "minute": 0, "second": 0},
    {"slotNumber": 3, "hour": 21, "minute": 0, "second": 0}]}  # fmt: skip
QUEUED = {"multiSlotEnabled": True, "rosPercentage": 4.5, "distributionSlots": [
    {"slotNumber": 1, "rosPercentage": 1.5}, {"slotNumber": 2, "rosPercentage": 2},
    {"slotNumber": 3, "rosPercentage": 1}]}  # fmt: skip
EXACTLY = [
    ("alert", "stuck-slot", "TC21 2026-02-12 slot 2 stuck"),
    ("clear", "stuck-slot", "TC21 2026-02-12 slot 2 stuck"),
    ("alert", "failed-slot", "TC23 2026-02-12 slot 3 FAILED"),
]


class Mock:
    """The admin's side of a served mock: its token, a 2FA code on its clock, its clock moved."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=30)
        self.token = self.client.post("/__mock/tokens", json={"identifier": "admin", "expiresIn": 86400}).json()[
            "token"
        ]

    def admin(self, method: str, path: str, body: dict) -> httpx.Response:
        code = self.client.get("/__mock/totp/admin").json()["code"]
        headers = {"Authorization": f"Bearer {self.token}", "X-2FA-Code": code}
        answer = self.client.request(method, path, json=body, headers=headers)
        assert answer.status_code < 300, answer.text
        return answer

    def queue_a_three_slot_day(self, *faults: tuple[int, str]) -> None:
        self.admin("PUT", SCHEDULE, THREE_SLOTS)
        self.admin("POST", f"{DECLARATIONS}/today/queue", QUEUED)
        for slot, effect in faults:
            assert self.client.post("/__mock/faults", json={"slotNumber": slot, "effect": effect}).status_code < 300

    def until(self, instant: str) -> None:
        assert self.client.post("/__mock/clock/advance", json={"until": instant}).status_code == 200

    def force_reset(self) -> None:
        self.admin("POST", f"{DECLARATIONS}/today/force-reset", {})


class Receiver:
    """A webhook receiver (Slack's part) on a free port: the JSON bodies POSTed to it; the first
    ``refuse`` deliveries are answered 500 (the watch retries them)."""

    def __init__(self, refuse: int = 0) -> None:
        self.bodies: list[dict] = []
        self.refused = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if owner.refused < refuse:
                    owner.refused += 1
                    self.send_response(500)
                else:
                    owner.bodies.append(body)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T0SECRET/B0SECRET/webhook-path-secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Collect:
    """An output that keeps the events (a driven watch's console)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def handle(self, event: Event) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass

    def alerts(self) -> list[tuple[str, str, str]]:
        return [(e.kind, e.monitor, e.key) for e in self.events if e.kind in ("alert", "clear")]


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{name}{{{wanted}}} (\S+)$" if labels else rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name}{labels} not in /metrics"
    return float(found.group(1))


def polls_seen(metrics: httpx.Client, metrics_url: str) -> int:
    try:
        return int(metric(metrics.get(metrics_url).text, "novunt_watch_polls_total"))
    except (httpx.HTTPError, AssertionError):
        return 0


def after_polls(metrics_url: str, count: int, watch: Forked) -> None:
    """Wait until the watch has made ``count`` more polls (one whole poll after what the test just did)."""
    with httpx.Client(timeout=5) as metrics:
        wanted = polls_seen(metrics, metrics_url) + count
        deadline = time.monotonic() + 60
        while polls_seen(metrics, metrics_url) < wanted:
            assert watch.poll() is None, "the watch ended"
            assert time.monotonic() < deadline, "the watch did not poll within 60 s"
            time.sleep(0.05)


def test_a_day_watched_in_a_minute_alerts_exactly_stuck_its_clearing_and_the_failed_slot(serve, tmp_path):
    url, _log = serve("--frozen", "--start-time", START, "--quiet")
    mock = Mock(url)
    mock.queue_a_three_slot_day((2, "stuck"), (3, "fail"))
    receiver = Receiver(refuse=1)  # the first delivery fails once: retried
    port = free_port()
    jsonl, report, out, err = (tmp_path / name for name in ("events.jsonl", "report.html", "out", "err"))
    arguments = [url, "--every", "1s", "--jsonl", str(jsonl), "--webhook", receiver.url, "--metrics-port", str(port),
                 "--report", str(report), "--slow-ms", "30000"]  # fmt: skip
    watch = Forked("contract_tests.watch", arguments, out, cwd=ROOT, errors=err, env={"CONTRACT_TOKEN": mock.token})
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    try:
        after_polls(metrics_url, 1, watch)
        mock.until("2026-02-12T14:00:30.000Z")  # slot 1 ran at 09:00 Lagos; slot 2 (15:00) is stuck EXECUTING
        after_polls(metrics_url, 2, watch)
        mock.until("2026-02-12T14:12:00.000Z")  # 11.5 minutes EXECUTING: past --stuck-after 10
        after_polls(metrics_url, 2, watch)
        mock.force_reset()  # slot 2 runs again at once, and completes
        after_polls(metrics_url, 2, watch)
        mock.until("2026-02-12T21:30:00.000Z")  # slot 3 (21:00) failed; 22:30 in Lagos, the day not over
        after_polls(metrics_url, 2, watch)
        exposed = httpx.get(metrics_url).text
    finally:
        watch.send_signal(signal.SIGTERM)
        code = watch.wait(30)
        receiver.stop()
    said, errors = out.read_text(), err.read_text()
    assert code == 1, said + errors  # an alert fired
    events = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [(e["event"], e["monitor"], e["key"]) for e in events if e["event"] in ("alert", "clear")] == EXACTLY
    failed = next(e for e in events if e["monitor"] == "failed-slot")
    assert "Simulated failure of slot 3" in failed["message"] and "the day's status: FAILED" in failed["message"]
    assert failed["case"] == "TC23" and "BRIEF §6" in failed["rule"] and "today/status" in failed["evidence"]
    # the JSON lines, the webhook and /metrics agree; the console said each in one line
    assert receiver.bodies == [e for e in events if e["event"] in ("alert", "clear")] and receiver.refused == 1
    for monitor, fired, still in (("stuck-slot", 1, 0), ("failed-slot", 1, 1), ("tc24-overdue-pending", 0, 0)):
        assert metric(exposed, "novunt_watch_alerts_total", monitor=monitor) == fired, monitor
        assert metric(exposed, "novunt_watch_problems", monitor=monitor) == still, monitor
    assert sum(float(v) for v in re.findall(r"^novunt_watch_alerts_total\{.*\} (\S+)$", exposed, re.M)) == 2
    assert metric(exposed, "novunt_watch_target_up") == 1 and 'novunt_watch_request_seconds_bucket{le="0.5"' in exposed
    lines = said.splitlines()
    assert [line.split()[1] for line in lines if line.split()[1] in ("ALERT", "CLEAR")] == ["ALERT", "CLEAR", "ALERT"]
    assert "ALERT TC21 stuck-slot: 2026-02-12 slot 2 stuck" in said and lines[-1].split()[1] == "SUMMARY"
    assert "3 alert(s)" not in lines[-1] and "2 alert(s), 1 cleared, 1 open" in lines[-1], lines[-1]
    html = report.read_text()
    assert "TC21 stuck-slot" in html and "TC23 failed-slot" in html and html.count(">FAILED<") == 2
    for text in (said, errors, jsonl.read_text(), json.dumps(receiver.bodies), html):
        assert mock.token not in text and not JWT.search(text) and "webhook-path-secret" not in text


def test_the_target_killed_and_restarted_mid_watch_is_unreachable_then_recovered(tmp_path):
    port, state = free_port(), tmp_path / "state.json"
    arguments = ["serve", "--port", str(port), "--state-file", str(state), "--frozen", "--start-time", START, "--quiet"]
    url = f"http://127.0.0.1:{port}"

    def start() -> Forked:
        process = Forked("mock_server", arguments, tmp_path / "server.log")
        assert wait_until_answers(f"{url}/cron-status", is_up=lambda: process.poll() is None)
        return process

    server = start()
    mock = Mock(url)
    mock.queue_a_three_slot_day()
    mock.until("2026-02-12T09:00:00.000Z")
    seen = Collect()
    watcher = Watcher(Reader.connect(url, mock.token, Secrets(), timeout=5), Options(slow_ms=30000), target=url,
                      outputs=[seen])  # fmt: skip
    try:
        assert not [e for e in watcher.poll_once() if e.kind == "alert"]
        server.send_signal(signal.SIGKILL)
        server.wait(10)
        down = watcher.poll_once()
        assert [(e.kind, e.monitor) for e in down if e.kind == "alert"] == [("alert", "unreachable")]
        assert "unreachable" in down[0].line() and watcher.poll_once() == []  # said once, not every poll
        server = start()
        back = watcher.poll_once()
    finally:
        server.terminate()
        server.wait(10)
    assert [(e.kind, e.monitor) for e in back] == [("clear", "unreachable")], [e.line() for e in back]
    assert back[0].line().split()[1] == "RECOVERED" and "the target answers again" in back[0].line()
    assert seen.alerts() == [
        ("alert", "unreachable", "UPTIME unreachable"),
        ("clear", "unreachable", "UPTIME unreachable"),
    ]
    assert watcher.finish() == 1
