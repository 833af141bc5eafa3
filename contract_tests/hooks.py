"""Hooks through which a mock offers itself as the suite's default target.

The suite verifies backends it was not written with, so it imports no server. A package that ships
a mock with the ``/__mock/`` control API implements these hooks in its own pytest plugin (this
project's does, in ``mock_server.contract_target``); without one, the suite needs ``--base-url``.
"""

from __future__ import annotations

import pytest


@pytest.hookspec(firstresult=True)
def pytest_contract_mock_app(start: str):
    """An ASGI app of a mock with the control API, its clock frozen at ``start`` (an ISO instant)."""


@pytest.hookspec(firstresult=True)
def pytest_contract_mock_command(port: int, start: str) -> list[str] | None:
    """The command that serves that mock over HTTP on 127.0.0.1:``port``, clock frozen at ``start``."""
