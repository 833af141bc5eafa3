"""Fixtures of the mock's own tests: an in-process app on a frozen clock, and its parts."""

from __future__ import annotations

import atexit
import gc
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from contract_tests.in_process import in_process
from contract_tests.target import free_port, wait_until_answers
from mock_server.app import create_app
from mock_server.domain.schedule import parse_iso
from mock_server.engine.clock import Clock
from mock_server.settings import Settings

from .preloaded import Forked

START = "2026-02-12T07:00:00.000Z"
# The fuzz's depth in the runs that prove something of the suite itself (what it writes, its verdict,
# what it prints): every operation still goes through every phase (the coverage phase in full) and
# every check; depth is the in-process fuzz's job (10 examples), make hunt's (100) and make fuzz's (300).
PROOF_FUZZ = {"CONTRACT_FUZZ_EXAMPLES": "2"}


# Each test's seconds (setup, call and teardown) in the runs before, by node id, in pytest's cache.
DURATIONS = "novunt-mock/durations"


def pytest_configure(config: pytest.Config) -> None:
    # This repository's tuning, not the published plugin's. At exit, what a run built is left to the
    # process's end instead of being walked once more by the garbage collector (a third of a second in
    # the main process and in each pytest-xdist worker); every exit handler still runs.
    atexit.register(gc.freeze)
    if getattr(config, "cache", None) is not None and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Durations(config.cache), "novunt-mock-durations")


def pytest_collection_finish(session: pytest.Session) -> None:
    # The modules and the collected tests stay to the end: the garbage collector's full passes leave
    # them out instead of walking them again and again while the tests allocate.
    gc.freeze()


@pytest.hookimpl(trylast=True)  # after the suite's own order (its fuzz first): this one is final
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker, whose items are handed out in this order: the tests that took longest
    last time first, so that the last seconds go to short tests on every core, not to one long test on
    one core while the others wait (groups of one module fixture go first anyway: the largest units)."""
    cache = getattr(config, "cache", None)
    if hasattr(config, "workerinput") and cache is not None:
        last = cache.get(DURATIONS, {})
        items.sort(key=lambda item: -last.get(item.nodeid, 0.0))  # stable: new tests keep their order


class Durations:
    """On the controller: each test's seconds, from every worker's reports, kept for the next run
    (tests this run did not run keep their last time)."""

    def __init__(self, cache: pytest.Cache) -> None:
        self.cache = cache
        self.seconds: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if type(report) is pytest.TestReport:  # not a subtest's: its time is inside its test's
            self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.seconds:
            last = self.cache.get(DURATIONS, {})
            self.cache.set(DURATIONS, {**last, **{node: round(s, 2) for node, s in self.seconds.items()}})


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
    """``novunt-mock serve`` processes, each started with extra arguments, stopped together. Forked
    from the tests' preloaded interpreter (``tests/preloaded.py``): their tests are about what a served
    mock does; ``test_state_and_restarts`` starts it the user's way, in an interpreter of its own."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.processes: list[Forked] = []

    def start(self, *arguments: str) -> tuple[str, Path]:
        port = free_port()
        log = self.logs / f"server-{port}.log"
        self.processes.append(Forked("mock_server", ["serve", "--port", str(port), *arguments], log))
        url = f"http://127.0.0.1:{port}"
        if wait_until_answers(f"{url}/cron-status", is_up=lambda: self.processes[-1].poll() is None):
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
