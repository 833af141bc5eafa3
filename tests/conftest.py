"""Fixtures of the mock's own tests: an in-process app on a frozen clock, and its parts."""

from __future__ import annotations

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


# The tests that take seconds (wall, on 2 cores, measured 2026-11-28), handed to pytest-xdist's workers
# first, longest first, so that the last seconds of `make test` go to short tests on every core and not
# to one long test on one core while the others wait (it was 12 s). The files whose tests share one
# module fixture (xdist_group) go first anyway: pytest-xdist hands out the largest groups first.
SECONDS = {
    "test_read_only_fuzz_reads_side_by_side_and_never_more_than_asked": 15,  # mostly waiting on latency
    "test_each_planted_fault_fails_the_case_that_catches_it": 9,
    "test_no_credential_in_any_output": 9,
    "test_each_mode_writes_only_what_it_may": 8,
    "test_a_correct_backend_passes_and_is_left_as_found": 7,
    "test_the_schemathesis_cli_is_clean_on_the_mock": 7,
    "test_a_correct_backend_shows_no_violation_and_writes_pass_only_when_allowed": 6,
    "test_the_html_report_reads_as_bug_reports_in_a_browser": 5,
    "test_no_false_green_the_summary_says_what_was_not_checked": 5,
    "test_a_simulated_year_keeps_memory_bounded": 5,
    "test_start_up_refusals_are_one_line": 4,  # [mongo-unreachable] waits for the connection timeout
    "test_a_running_mock_is_recognised_and_gets_the_mock_profile": 4,
    "test_the_seed_that_found_a_date_queued_twice": 3,
    "test_fuzz_every_operation": 3,
    "test_kill_9_and_restart_with_a_state_file_loses_nothing": 3,
    "test_each_drift_is_reported_once_with_its_rule": 2,
    "test_requests_prints_one_line_each_with_the_reason_and_follows": 2,
    "test_junit_names_cases_and_records_the_run": 2,
    "test_clock_moves_a_running_mock": 2,
    "test_stateful_links": 2,
}


@pytest.hookimpl(trylast=True)  # after the suite's own order (contract_tests.plugin): this one is final
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its items are handed out in this order
        items.sort(key=lambda item: -SECONDS.get(getattr(item, "originalname", item.name), 0))  # stable


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
