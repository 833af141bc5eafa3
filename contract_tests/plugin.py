"""pytest plugin (``pytest11`` entry point) of the contract suite: registration only.

pytest --pyargs contract_tests                      # against the in-process mock
pytest --pyargs contract_tests --serve-mock         # against the mock served over HTTP
pytest --pyargs contract_tests --mock-url URL       # against a mock already running at URL (reset!)
pytest --pyargs contract_tests --base-url URL       # against a live backend, read-only
    [--token T --totp-secret S --non-admin-token N --admin-identifier I --admin-password P]
    [--allow-writes] [--allow-distribution] [--contract-strict]

It only adds: its options, markers and fixtures, and, for the suite's own tests, what they need. A run
of other tests is left as it was (no exit hook, no warning filter, no order of its own).
"""

from __future__ import annotations

import pytest

from . import hooks
from .options import add_options

# Each job in a module of its own, registered with this one. pytest rewrites the asserts of each (none)
# and says so when one was imported before its turn: each imports only those listed before it, and this
# module imports none of them at its top.
pytest_plugins = [
    "contract_tests.items",  # which items are the suite's; their warning filters and order
    "contract_tests.junit",  # the JUnit file's names and totals
    "contract_tests.seed",  # one seed for the run, to replay it
    "contract_tests.gates",  # a target that cannot be used; what a live run may not do
    "contract_tests.fixtures",  # the target and what the cases need of it
    "contract_tests.leave_as_found",  # a running mock put back on the wall clock
    "contract_tests.reporting",  # bug reports, the terminal's table, the HTML report, --contract-strict
]
MARKERS = {
    "mock": "needs the mock's simulated clock, control API or faults",
    "live_read": "safe against any backend: GETs and requests that cannot change state",
    "live_write": "changes the schedule or toggle, then restores it (needs --allow-writes)",
    "live_distribution": "queues a real distribution (needs --allow-distribution; never production)",
}


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    add_options(parser, pluginmanager)


def pytest_configure(config: pytest.Config) -> None:
    from .redactor import Redactor, secrets_of
    from .summary import SUMMARY, Summary

    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.pluginmanager.register(Redactor(secrets_of(config)), "contract-redactor")
    summary = Summary(config, strict=config.getoption("contract_strict"))
    config.stash[SUMMARY] = summary
    config.pluginmanager.register(summary, "contract-summary")
