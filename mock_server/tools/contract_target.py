"""This mock's pytest plugin: the contract suite's default target (see ``contract_tests.hooks``; the
suite never imports the mock, it asks for a target through these two hooks), the
``mock_requests`` fixture an app's own tests use to assert what the app sent, and ``mock_scenario``
to put the mock in a named state first. A run that uses neither fixture is not touched by them.
"""

from __future__ import annotations

import sys

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_contract_mock_app(start: str):
    from ..app import create_app
    from ..domain.schedule import parse_iso
    from ..engine.clock import Clock
    from ..settings import Settings

    # In process, the test client calls itself "testserver": the only host it can be reached as.
    settings = Settings(validate_responses=True, frozen=True, log_requests=False, allowed_hosts=("testserver",))
    return create_app(settings, clock=Clock(parse_iso(start)))


@pytest.hookimpl(optionalhook=True)
def pytest_contract_mock_command(port: int, start: str) -> list[str]:
    return [
        sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--frozen",
        "--start-time", start, "--quiet", "--validate-responses",
    ]  # fmt: skip


@pytest.fixture
def mock_requests():
    """The running mock's request journal (``MOCK_URL``, default http://127.0.0.1:5000): clear it,
    drive your app, then assert what the app sent (``mock_server.tools.journal_client``)."""
    from .journal_client import RequestJournal

    journal = RequestJournal()
    yield journal
    journal.close()


@pytest.fixture
def mock_scenario():
    """Build a scenario on the running mock (``MOCK_URL``): ``mock_scenario("slot-failed")``, or a
    scenario file's path; answers what was built (``mock_server.tools.scenario_client``)."""
    from .scenario_client import Scenarios

    scenarios = Scenarios()
    yield scenarios
    scenarios.close()
