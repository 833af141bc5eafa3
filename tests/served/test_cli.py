"""The command line as a person meets it: complete help, one-line errors with exit 2, the clock."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mock_server.cli import main

from ..preloaded import run_module


def run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mock_server.cli", *arguments], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("serve", ["--port", "--origin", "--mongo-uri", "--start-time", "--frozen", "--strict-2fa", "--require-2fa"]),
        ("clock", ["--advance", "--next-slot", "--until", "--reset", "--pause", "--resume", "--url"]),
        ("verify", ["--token", "--totp-secret", "--allow-writes", "--allow-distribution", "--junitxml"]),
        ("fuzz", ["--examples", "--seed", "--allow-writes"]),
    ],
)
def test_help_is_complete(command, words, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    assert all(word in shown for word in words), shown


@pytest.mark.parametrize(
    "arguments",
    [["serve", "--port", "70000"], ["serve", "--start-time", "yesterday"], ["launch"], ["clock", "--advance", "x"]],
)
def test_bad_arguments_get_one_line_and_exit_2(arguments):
    result = run(*arguments)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "error:" in result.stderr


def test_clock_moves_a_running_mock(serve):
    url, _ = serve("--frozen", "--start-time", "2026-02-12T07:00:00Z", "--quiet")

    def clock(*arguments: str) -> subprocess.CompletedProcess:  # forked: the start-up is the tests above
        return run_module("mock_server.cli", ["clock", *arguments])

    moved = clock("--url", url, "--advance", "3600")
    assert moved.returncode == 0 and json.loads(moved.stdout)["now"] == "2026-02-12T08:00:00.000Z"
    assert json.loads(clock("--url", url, "--next-slot").stdout)["now"] == "2026-02-12T14:59:59.000Z"
    assert json.loads(clock("--url", url, "--resume").stdout)["frozen"] is False
    assert clock("--url", "http://127.0.0.1:9").returncode == 2  # one line: tests/served/test_first_hour.py


def test_access_log_has_one_line_per_request(caplog):
    """Read in-process (a child's log file may not be flushed when the test reads it)."""
    import logging

    from starlette.testclient import TestClient

    from ..conftest import make_app

    client = TestClient(make_app(log_requests=True))
    with caplog.at_level(logging.INFO, logger="mock_server.access"):
        client.get("/cron-status")
        client.get("/nope")
    lines = [record.getMessage() for record in caplog.records if record.name == "mock_server.access"]
    assert len(lines) == 2 and lines[1].startswith("GET /nope 404") and lines[1].endswith("ms"), lines
