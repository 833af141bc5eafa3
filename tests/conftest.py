"""Fixtures of the mock's own tests: an in-process app on a frozen clock, and its parts."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from contract_tests.in_process import in_process
from contract_tests.target import free_port, wait_until_answers
from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.domain.schedule import parse_iso
from mock_server.settings import Settings

START = "2026-02-12T07:00:00.000Z"
# The fuzz's depth in the runs that prove something of the suite itself (what it writes, its verdict,
# what it prints): every operation still goes through every phase (the coverage phase in full) and
# every check; depth is the in-process fuzz's job (10 examples), make hunt's (100) and make fuzz's (300).
PROOF_FUZZ = {"CONTRACT_FUZZ_EXAMPLES": "2"}


def make_app(start: str = START, **options):
    defaults = {"validate_responses": True, "frozen": True, "log_requests": False, "allowed_hosts": ("testserver",)}
    settings = Settings(**{**defaults, **options})
    return create_app(settings, clock=Clock(parse_iso(start)))


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def inprocess(app) -> httpx.Client:
    # the suite's own in-process client: the app on a kept event loop, not a thread per request
    return in_process(app)


def admin_headers(client: httpx.Client, identifier: str = "admin@novunt.test", code: bool = False) -> dict:
    token = client.post("/__mock/tokens", json={"identifier": identifier}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    if code:
        headers["X-2FA-Code"] = client.get(f"/__mock/totp/{identifier}").json()["code"]
    return headers


def at(text: str) -> datetime:
    return parse_iso(text)


class MockServers:
    """``novunt-mock serve`` child processes, each started with extra arguments, stopped together."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.processes: list[subprocess.Popen] = []

    def start(self, *arguments: str) -> tuple[str, Path]:
        port = free_port()
        log = self.logs / f"server-{port}.log"
        with log.open("w") as sink:
            command = [sys.executable, "-m", "mock_server", "serve", "--port", str(port), *arguments]
            self.processes.append(subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{port}"
        if wait_until_answers(f"{url}/cron-status"):
            return url, log
        raise RuntimeError(f"the mock did not start: {log.read_text()}")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def serve(tmp_path: Path):
    """Start ``novunt-mock serve`` with extra arguments in a child process; yields (url, log path)."""
    servers = MockServers(tmp_path)
    yield servers.start
    servers.stop()
