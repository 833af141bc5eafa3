"""The safety gates of a run: a target that cannot be used ends it in one line; against a live backend,
the cases that write, queue a real distribution or need the mock are skipped unless allowed; and
``--allow-distribution`` says in a banner what it will do."""

from __future__ import annotations

import pytest

from .items import in_suite
from .options import base_url, mode_of
from .reachability import unreachable
from .summary import needs

SKIPS = (  # (the mark, what allows it, the skip reason), the first that applies
    ("live_distribution", "allow_distribution", needs("--allow-distribution", "queues a real distribution")),
    ("live_write", "allow_writes", needs("--allow-writes", "changes the schedule, then restores it")),
)
MOCK_ONLY = needs("the mock", "moves the mock's clock or uses its control API")
LIVE = {"live_read", "live_write", "live_distribution"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cases = [item for item in items if in_suite(item.path)]
    if not cases:
        return
    url = base_url(config) or config.getoption("mock_url")
    if url:
        why = unreachable(url)
        if why:
            pytest.exit(f"contract suite: {why}", returncode=2)
    if mode_of(config) != "live":
        return
    for item in cases:
        reason = live_skip({mark.name for mark in item.iter_markers()}, config)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def live_skip(marks: set[str], config: pytest.Config) -> str | None:
    """Why a case may not run against a live backend in this run, or None."""
    for mark, allowed_by, reason in SKIPS:
        if mark in marks:
            return None if config.getoption(allowed_by) else reason
    if "mock" in marks and not marks & LIVE:
        return MOCK_ONLY
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if not (base_url(config) and config.getoption("allow_distribution")):
        return
    banner = (
        "!" * 78 + "\n"
        f"!! --allow-distribution: this run QUEUES, MODIFIES AND CANCELS REAL DISTRIBUTIONS on {base_url(config)}\n"
        "!! Stakes will be paid. Never point this at production.\n" + "!" * 78
    )
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line(banner, red=True, bold=True)
