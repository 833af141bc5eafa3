"""A running mock (``--mock-url``) the suite reset, left as a developer expects it once the run ends:
its fixtures loaded, its clock on the wall clock and running (the cases leave it frozen on their own
day, where tokens minted afterwards expire as soon as the clock is put back), said in one line.

Once per run, on the controller (not on each pytest-xdist worker: it waits for them all to finish),
and only when one of the suite's tests ran against it.
"""

from __future__ import annotations

import os

import pytest

from .options import base_url
from .summary import SUMMARY

LEFT = pytest.StashKey[str]()  # the one line that says how the mock was left


def leave(url: str, control_token: str | None) -> str:
    """Reset the mock at ``url`` to its fixtures, on the wall clock, running: the line that says so."""
    import httpx

    headers = {"X-Mock-Control-Token": control_token} if control_token else {}
    try:
        answer = httpx.post(f"{url.rstrip('/')}/__mock/reset", json={"frozen": False}, headers=headers, timeout=30)
        answer.raise_for_status()
        clock = answer.json()
    except (httpx.HTTPError, ValueError) as failed:
        return f"contract suite: could not reset the mock at {url} afterwards: {failed}".splitlines()[0]
    running = "frozen" if clock.get("frozen") else "running"
    return (
        f"contract suite: left the mock at {url} reset to its fixtures, its clock on the wall clock "
        f"({clock.get('now')}), {running}"
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    url = config.getoption("mock_url", None)
    summary = config.stash.get(SUMMARY, None)
    if not url or base_url(config) or hasattr(config, "workerinput") or summary is None or not summary.ran_any():
        return
    config.stash[LEFT] = leave(url, os.environ.get("MOCK_CONTROL_TOKEN"))
