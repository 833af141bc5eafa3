"""pytest plugin (``pytest11`` entry point): options, the target, safety gates, the summary.

pytest --pyargs contract_tests                      # against the in-process mock
pytest --pyargs contract_tests --serve-mock         # against the mock served over HTTP
pytest --pyargs contract_tests --base-url URL       # against a live backend, read-only
    [--token T --totp-secret S] [--allow-writes] [--allow-distribution]
"""

from __future__ import annotations

import os
import re

import httpx
import pytest

from .catalogue import CASES
from .target import ServedMock, Target, in_process

CASE_ID = re.compile(r"test_(t[cx]\d\d)", re.IGNORECASE)
MARKERS = {
    "mock": "needs the mock's simulated clock, control API or faults",
    "live_read": "safe against any backend: GETs and requests that cannot change state",
    "live_write": "changes the schedule or toggle, then restores it (needs --allow-writes)",
    "live_distribution": "queues a real distribution (needs --allow-distribution; never production)",
}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "Multi-Slot Distribution contract suite")
    group.addoption(
        "--base-url",
        default=os.environ.get("CONTRACT_BASE_URL"),
        help="a live backend to check (env CONTRACT_BASE_URL); default: the in-process mock",
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
        "--allow-writes",
        action="store_true",
        default=_flag("CONTRACT_ALLOW_WRITES"),
        help="allow schedule and toggle changes on a live backend (restored afterwards)",
    )
    group.addoption(
        "--allow-distribution",
        action="store_true",
        default=_flag("CONTRACT_ALLOW_DISTRIBUTION"),
        help="allow queueing real distributions (pays people: staging only)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    for message in ("Using `httpx` with `starlette.testclient`", "jsonschema.RefResolver", "RefResolutionError"):
        config.addinivalue_line("filterwarnings", f"ignore:.*{message}.*")
    config._contract_results = {}  # type: ignore[attr-defined]


def _is_case(item: pytest.Item) -> bool:
    return item.nodeid.startswith("contract_tests/") or "/contract_tests/" in str(item.path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = bool(config.getoption("--base-url"))
    if not live:
        return
    writes = config.getoption("--allow-writes")
    distribution = config.getoption("--allow-distribution")
    for item in items:
        if not _is_case(item):
            continue
        marks = {mark.name for mark in item.iter_markers()}
        if "live_distribution" in marks and not distribution:
            item.add_marker(
                pytest.mark.skip(reason="queues a real distribution: run with --allow-distribution (staging only)")
            )
        elif "live_write" in marks and not writes:
            item.add_marker(
                pytest.mark.skip(reason="changes the schedule: run with --allow-writes (it restores what it finds)")
            )
        elif "mock" in marks and not marks & {"live_read", "live_write", "live_distribution"}:
            item.add_marker(
                pytest.mark.skip(
                    reason="needs the mock's simulated clock or control API; not run against a live backend"
                )
            )


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest):
    config = request.config
    base_url = config.getoption("--base-url")
    served = None
    if base_url:
        client = httpx.Client(base_url=base_url.rstrip("/"), timeout=30)
        mode = "live"
    elif config.getoption("--serve-mock"):
        served = ServedMock()
        client = httpx.Client(base_url=served.url, timeout=30)
        mode = "served"
    else:
        client = in_process()
        mode = "in-process"
    built = Target(
        client,
        mode,
        token=config.getoption("--token"),
        totp_secret=config.getoption("--totp-secret"),
        non_admin_token=config.getoption("--non-admin-token"),
        allow_writes=config.getoption("--allow-writes") or mode != "live",
        allow_distribution=config.getoption("--allow-distribution") or mode != "live",
    )
    yield built
    built.close()
    if served:
        served.stop()


@pytest.fixture
def api(target: Target) -> Target:
    """The target, with the mock reset to its fixtures and its clock at the suite's start instant."""
    if target.is_mock:
        target.control.reset()
    return target


@pytest.fixture
def mock(api: Target):
    """The mock's control API; the case is skipped against a live backend."""
    if not api.is_mock:
        pytest.skip("needs the mock's simulated clock or control API")
    return api.control


@pytest.fixture
def admin(api: Target) -> str:
    token = api.admin_token()
    if not token:
        pytest.skip("needs an admin token: pass --token (env CONTRACT_TOKEN)")
    return token


# -- the one-screen summary ----------------------------------------------------------------------
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    match = CASE_ID.search(report.nodeid.split("::")[-1])
    if not match or (report.when != "call" and not (report.skipped or report.failed)):
        return
    results = _results()
    if results is None:
        return
    case = match.group(1).upper()
    outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
    detail = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        detail = report.longrepr[2].removeprefix("Skipped: ")
    elif report.failed:
        detail = next((line.strip() for line in str(report.longrepr).splitlines() if "expected:" in line), "")
    previous = results.get(case)
    rank = {"failed": 2, "passed": 1, "skipped": 0}
    if previous is None or rank[outcome] > rank[previous[0]] or (outcome == previous[0] == "failed"):
        results[case] = (outcome, detail)


_CONFIG: list[pytest.Config] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG[:] = [session.config]
    config = session.config
    if config.getoption("--base-url") and config.getoption("--allow-distribution"):
        banner = (
            "!" * 78 + "\n"
            "!! --allow-distribution: this run QUEUES REAL DISTRIBUTIONS on "
            f"{config.getoption('--base-url')}\n"
            "!! Stakes will be paid. Never point this at production.\n" + "!" * 78
        )
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(banner, red=True, bold=True)
        else:
            print(banner, flush=True)


def _results() -> dict | None:
    """The summary's store (pytest_runtest_logreport is not handed the config)."""
    return getattr(_CONFIG[0], "_contract_results", None) if _CONFIG else None


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    results = getattr(config, "_contract_results", {})
    if not results:
        return
    terminalreporter.section("contract cases")
    for case in sorted(results):
        outcome, detail = results[case]
        line = f"{case}  {CASES.get(case, ''):32s} {outcome.upper():8s} {detail}"
        terminalreporter.write_line(
            line[:200], red=outcome == "failed", green=outcome == "passed", yellow=outcome == "skipped"
        )


# -- writes that put back what they found --------------------------------------------------------
def _token_has_2fa(token: str) -> bool:
    import jwt

    try:
        return bool(jwt.decode(token, options={"verify_signature": False}).get("twoFAEnabled", True))
    except jwt.PyJWTError:
        return True


@pytest.fixture
def restore_schedule(api: Target, admin: str):
    """For cases that change the schedule or toggle: snapshot first, restore afterwards (even when
    the case fails), and fail the teardown if the backend is not left exactly as it was found."""
    from .helpers import get_schedule, put_schedule, settings_body, toggle

    if not api.can_sign_2fa() and _token_has_2fa(admin):
        pytest.skip("changing the schedule needs a 2FA code: pass --totp-secret (env CONTRACT_TOTP_SECRET)")
    before = get_schedule(api)
    yield before
    after = get_schedule(api)
    if settings_body(after) != settings_body(before):
        put_schedule(api, settings_body(before))
    if after["isEnabled"] != before["isEnabled"]:
        toggle(api, before["isEnabled"])
    final = get_schedule(api)
    assert settings_body(final) == settings_body(before) and final["isEnabled"] == before["isEnabled"], (
        f"the schedule was not restored: found {settings_body(before)} enabled={before['isEnabled']}, "
        f"left {settings_body(final)} enabled={final['isEnabled']}"
    )


@pytest.fixture
def signer(api: Target, admin: str) -> Target:
    """The target, for cases that need a valid 2FA code (skipped live without --totp-secret)."""
    if not api.can_sign_2fa() and _token_has_2fa(admin):
        pytest.skip("needs a 2FA code: pass --totp-secret (env CONTRACT_TOTP_SECRET)")
    return api
