"""This mock as the contract suite's default target (a pytest plugin; see ``contract_tests.hooks``).

The suite never imports the mock: it asks for a target through these two hooks.
"""

from __future__ import annotations

import sys

import pytest


@pytest.hookimpl(optionalhook=True)
def pytest_contract_mock_app(start: str):
    from .app import create_app
    from .clock import Clock
    from .domain.schedule import parse_iso
    from .settings import Settings

    # In process, the test client calls itself "testserver": the only host it can be reached as.
    settings = Settings(validate_responses=True, frozen=True, log_requests=False, allowed_hosts=("testserver",))
    return create_app(settings, clock=Clock(parse_iso(start)))


@pytest.hookimpl(optionalhook=True)
def pytest_contract_mock_command(port: int, start: str) -> list[str]:
    return [
        sys.executable, "-m", "mock_server", "serve", "--port", str(port), "--frozen",
        "--start-time", start, "--quiet", "--validate-responses",
    ]  # fmt: skip
