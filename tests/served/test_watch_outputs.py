"""`watch` in this process: one `--once` poll of a day whose slot 3 FAILED says it on the console, in
the JSON lines, to the webhook and in the report, and exits 1; its Prometheus metrics count it once."""

from __future__ import annotations

import json

import httpx

from contract_tests.redaction import JWT, Secrets
from contract_tests.watch.cli import main
from contract_tests.watch.metrics import Metrics
from contract_tests.watch.reading import Reader
from contract_tests.watch.watcher import Options, Watcher

from .test_watch import START, Mock, Receiver, metric


def slot_3_failed(serve) -> tuple[str, Mock]:
    """A served mock whose day's slot 3 (21:00) FAILED; 22:30 in Lagos, the day not over."""
    url, _log = serve("--frozen", "--start-time", START, "--quiet")
    mock = Mock(url)
    mock.queue_a_three_slot_day((3, "fail"))
    mock.until("2026-02-12T21:30:00.000Z")
    return url, mock


def test_one_poll_of_a_failed_slot_reaches_every_output(serve, tmp_path, capsys, monkeypatch):
    url, mock = slot_3_failed(serve)
    receiver = Receiver()
    jsonl, report = tmp_path / "events.jsonl", tmp_path / "report.html"
    monkeypatch.setenv("CONTRACT_TOKEN", mock.token)
    try:
        code = main([url, "--once", "--jsonl", str(jsonl), "--webhook", receiver.url, "--report", str(report)])
    finally:
        receiver.stop()
    said = capsys.readouterr()
    assert code == 1, said.out + said.err  # an alert fired
    events = [json.loads(line) for line in jsonl.read_text().splitlines()]
    alerts = [e for e in events if e["event"] == "alert"]
    assert [(e["case"], e["monitor"]) for e in alerts] == [("TC23", "failed-slot")]
    assert receiver.bodies == alerts and "text" in receiver.bodies[0]
    assert "ALERT TC23 failed-slot" in said.out and said.out.splitlines()[-1].split()[1] == "SUMMARY"
    html = report.read_text()
    assert "TC23 failed-slot" in html
    for text in (said.out, said.err, jsonl.read_text(), json.dumps(receiver.bodies), html):
        assert mock.token not in text and not JWT.search(text)


def test_metrics_count_a_failed_slot_once_across_polls(serve):
    url, mock = slot_3_failed(serve)
    metrics = Metrics(0)
    watcher = Watcher(Reader.connect(url, mock.token, Secrets()), Options(slow_ms=30000), target=url, metrics=metrics)
    try:
        watcher.poll_once()
        watcher.poll_once()  # the same problem again: still open, no second alert
        exposed = httpx.get(f"http://127.0.0.1:{metrics.server.server_port}/metrics").text
    finally:
        watcher.finish()
    assert metric(exposed, "novunt_watch_problems", monitor="failed-slot") == 1
    assert metric(exposed, "novunt_watch_alerts_total", monitor="failed-slot") == 1
    assert metric(exposed, "novunt_watch_polls_total") == 2 and metric(exposed, "novunt_watch_target_up") == 1
    assert metric(exposed, "novunt_watch_poll_errors_total", kind="unreachable") == 0
    assert metric(exposed, "novunt_watch_request_seconds_count", read="status") == 2
