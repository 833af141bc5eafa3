"""The suite's command-line options (and their environment variables), and what they make of a run:
its target (``base_url``) and its mode (``mode_of``)."""

from __future__ import annotations

import importlib.util
import os

import pytest


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def _pytest_base_url_present(pluginmanager: pytest.PytestPluginManager) -> bool:
    """pytest-base-url (pytest-playwright's dependency) owns ``--base-url`` when installed: reuse it."""
    if pluginmanager.is_blocked("base_url"):
        return False
    return pluginmanager.has_plugin("base_url") or importlib.util.find_spec("pytest_base_url") is not None


def add_options(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    group = parser.getgroup("contract", "Multi-Slot Distribution contract suite")
    if not _pytest_base_url_present(pluginmanager):
        group.addoption("--base-url", help="a live backend to check (env CONTRACT_BASE_URL); default: the mock")
    group.addoption(
        "--mock-url",
        default=os.environ.get("CONTRACT_MOCK_URL"),
        help="a running mock with the /__mock/ control API: the mock profile runs against it and resets it",
    )
    group.addoption(
        "--serve-mock",
        action="store_true",
        default=False,
        help="start the mock under uvicorn on a free port and run every case over HTTP",
    )
    group.addoption(
        "--token", default=os.environ.get("CONTRACT_TOKEN"), help="an admin bearer token (env CONTRACT_TOKEN)"
    )
    group.addoption(
        "--non-admin-token",
        default=os.environ.get("CONTRACT_NON_ADMIN_TOKEN"),
        help="a valid token of a role that may not use the admin routes (env CONTRACT_NON_ADMIN_TOKEN)",
    )
    group.addoption(
        "--totp-secret",
        default=os.environ.get("CONTRACT_TOTP_SECRET"),
        help="the admin's TOTP secret; codes are generated per request (env CONTRACT_TOTP_SECRET)",
    )
    group.addoption(
        "--admin-identifier",
        default=os.environ.get("CONTRACT_ADMIN_IDENTIFIER"),
        help="an admin's email or username, to check sign-in (with --admin-password; env CONTRACT_ADMIN_IDENTIFIER)",
    )
    group.addoption(
        "--admin-password",
        default=os.environ.get("CONTRACT_ADMIN_PASSWORD"),
        help="that admin's password: a wrong one is refused, the right one asks a 2FA admin for its code "
        "(read-only; masked in every output; env CONTRACT_ADMIN_PASSWORD)",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        default=_flag("CONTRACT_ALLOW_WRITES"),
        help="allow schedule and toggle changes on a live backend (restored afterwards)",
    )
    group.addoption(
        "--allow-distribution",
        action="store_true",
        default=_flag("CONTRACT_ALLOW_DISTRIBUTION"),
        help="allow queueing, modifying and cancelling real distributions (pays people: staging only)",
    )
    group.addoption(
        "--contract-strict",
        action="store_true",
        default=_flag("CONTRACT_STRICT"),
        help="fail the run when a case is skipped for a missing credential or option (env CONTRACT_STRICT=1; "
        "`novunt-mock verify --strict`; pytest's own --strict is another thing)",
    )
    group.addoption(
        "--contract-report",
        metavar="PATH",
        help="write a self-contained HTML report of the run here (`novunt-mock verify --report`)",
    )
    group.addoption(
        "--overdue-grace",
        type=float,
        default=float(os.environ.get("CONTRACT_OVERDUE_GRACE", "5")),
        help="minutes a PENDING slot may be past its time before the monitor calls it overdue (default 5)",
    )


def base_url(config: pytest.Config) -> str | None:
    return config.getoption("base_url", None) or os.environ.get("CONTRACT_BASE_URL") or None


def mode_of(config: pytest.Config) -> str:
    if base_url(config):
        return "live"
    if config.getoption("mock_url") or config.getoption("serve_mock"):
        return "served"
    return "in-process"
