"""`watch --once` as a QA job runs it, here in this process: one poll of a day whose slot 3 FAILED says
it on the console, in the JSON lines, to the webhook and in the report, and exits 1."""

from __future__ import annotations

import json

from contract_tests.redaction import JWT
from contract_tests.watch.cli import main

from .test_watch import START, Mock, Receiver


def test_one_poll_of_a_failed_slot_reaches_every_output(serve, tmp_path, capsys, monkeypatch):
    url, _log = serve("--frozen", "--start-time", START, "--quiet")
    mock = Mock(url)
    mock.queue_a_three_slot_day((3, "fail"))
    mock.until("2026-02-12T21:30:00.000Z")  # slot 3 (21:00) failed; 22:30 in Lagos, the day not over
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
