"""pytest plugin (``pytest11`` entry point): options, the target, safety gates, redaction, the summary.

pytest --pyargs contract_tests                      # against the in-process mock
pytest --pyargs contract_tests --serve-mock         # against the mock served over HTTP
pytest --pyargs contract_tests --mock-url URL       # against a mock already running at URL (reset!)
pytest --pyargs contract_tests --base-url URL       # against a live backend, read-only
    [--token T --totp-secret S --non-admin-token N --admin-identifier I --admin-password P]
    [--allow-writes] [--allow-distribution] [--contract-strict]
"""

from __future__ import annotations

import atexit
import gc
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from . import hooks
from .contract import ContractViolation, document
from .in_process import in_process
from .options import add_options, base_url, mode_of
from .redaction import Secrets
from .summary import SUMMARY, Summary, junit_of, needs, skip_for
from .target import START, ServedMock, Target, free_port

SECRETS = pytest.StashKey[Secrets]()
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
    # When the process ends, what the run built is only freed: the garbage collector walking all of it
    # once more made an exit take 0.5 s instead of 0.15 s, in each pytest-xdist worker and in the main
    # process (on the path of a 10 s suite). Frozen at exit, it is left to the process's end; every exit
    # handler still runs, and a process that goes on after the run (pytest called in-process) is not affected.
    atexit.register(gc.freeze)
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    for message in ("Using `httpx` with `starlette.testclient`", "jsonschema.RefResolver", "RefResolutionError"):
        config.addinivalue_line("filterwarnings", f"ignore:.*{message}.*")
    config.addinivalue_line("filterwarnings", "ignore::pytest.PytestExperimentalApiWarning")
    secrets = Secrets()
    secrets.remember(
        *(config.getoption(name) for name in ("token", "totp_secret", "non_admin_token", "admin_password"))
    )
    config.stash[SECRETS] = secrets
    config.pluginmanager.register(Redactor(secrets), "contract-redactor")
    summary = Summary(config, strict=config.getoption("contract_strict"))
    config.stash[SUMMARY] = summary
    config.pluginmanager.register(summary, "contract-summary")


def _is_case(item: pytest.Item) -> bool:
    return item.nodeid.startswith("contract_tests/") or "/contract_tests/" in str(item.path)


def unreachable(url: str) -> str | None:
    """Why ``url`` cannot be a target (a bad URL, nothing listening), or None when it answers."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url!r} is not an http(s) URL (e.g. https://staging.example.com)"
    try:
        httpx.get(url.rstrip("/") + "/cron-status", timeout=10)
    except httpx.HTTPError as exc:
        return f"cannot reach {url}: {type(exc).__name__}: {exc}".splitlines()[0]
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its items are handed out in this order
        _longest_first(items)
    cases = [item for item in items if _is_case(item)]
    if not cases:
        return
    url = base_url(config) or config.getoption("mock_url")
    if url:
        why = unreachable(url)
        if why:
            pytest.exit(f"contract suite: {why}", returncode=2)
    if mode_of(config) != "live":
        return
    writes = config.getoption("allow_writes")
    distribution = config.getoption("allow_distribution")
    for item in cases:
        marks = {mark.name for mark in item.iter_markers()}
        if "live_distribution" in marks and not distribution:
            item.add_marker(pytest.mark.skip(reason=needs("--allow-distribution", "queues a real distribution")))
        elif "live_write" in marks and not writes and "live_distribution" not in marks:
            item.add_marker(pytest.mark.skip(reason=needs("--allow-writes", "changes the schedule, then restores it")))
        elif "mock" in marks and not marks & {"live_read", "live_write", "live_distribution"}:
            item.add_marker(
                pytest.mark.skip(reason=needs("the mock", "moves the mock's clock or uses its control API"))
            )


def _longest_first(items: list[pytest.Item]) -> None:
    """Spread over cores (pytest-xdist), the fuzz's parts, seconds each, are handed out first, one to a
    core in turn, and the cases, a fraction of a second each, fill in around them: started last, they
    would leave one core fuzzing alone at the end."""
    items.sort(key=lambda item: "/fuzz/" not in item.nodeid.replace("\\", "/"))  # stable: each kept in order


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest):
    config = request.config
    mode = mode_of(config)
    served = None
    if mode == "live":
        client = httpx.Client(base_url=base_url(config).rstrip("/"), timeout=30)
    elif config.getoption("mock_url"):
        client = httpx.Client(base_url=config.getoption("mock_url").rstrip("/"), timeout=30)
    elif mode == "served":
        port = free_port()
        command = config.hook.pytest_contract_mock_command(port=port, start=START)
        if command is None:
            pytest.exit("contract suite: no mock is installed to serve; pass --base-url URL", returncode=2)
        served = ServedMock(port, command)
        client = httpx.Client(base_url=served.url, timeout=30)
    else:
        app = config.hook.pytest_contract_mock_app(start=START)
        if app is None:
            pytest.exit("contract suite: no in-process mock is installed; pass --base-url URL", returncode=2)
        client = in_process(app)
    built = Target(
        client,
        mode,
        token=config.getoption("token"),
        totp_secret=config.getoption("totp_secret"),
        non_admin_token=config.getoption("non_admin_token"),
        admin_identifier=config.getoption("admin_identifier"),
        admin_password=config.getoption("admin_password"),
        allow_writes=config.getoption("allow_writes") or mode != "live",
        allow_distribution=config.getoption("allow_distribution") or mode != "live",
        secrets=config.stash[SECRETS],
        overdue_grace_minutes=config.getoption("overdue_grace"),
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
        skip_for("the mock", "moves the mock's clock or uses its control API")
    return api.control


@pytest.fixture
def admin(api: Target) -> str:
    token = api.admin_token()
    if not token:
        skip_for("--token", "an admin bearer token (env CONTRACT_TOKEN)")
    return token


@pytest.fixture
def sign_in(api: Target) -> tuple[str, str]:
    """An admin's identifier and password (the mock's fixed 2FA admin; live: the options)."""
    found = api.sign_in_credentials()
    if not found:
        skip_for(
            "--admin-identifier",
            "an admin's identifier and, with --admin-password, its password (env CONTRACT_ADMIN_IDENTIFIER, "
            "CONTRACT_ADMIN_PASSWORD): the live sign-in checks",
        )
    return found


def token_has_2fa(token: str) -> bool:
    import jwt

    try:
        return bool(jwt.decode(token, options={"verify_signature": False}).get("twoFAEnabled", True))
    except jwt.PyJWTError:
        return True


@pytest.fixture
def signer(api: Target, admin: str) -> Target:
    """The target, for cases that need a valid 2FA code (skipped live without --totp-secret)."""
    if not api.can_sign_2fa() and token_has_2fa(admin):
        skip_for("--totp-secret", "a valid 2FA code (env CONTRACT_TOTP_SECRET)")
    return api


@pytest.fixture
def restore_schedule(signer: Target):
    """For cases that change the schedule or toggle: snapshot first, restore afterwards (even when
    the case fails), and fail the teardown if the backend is not left exactly as it was found."""
    from .restore import ScheduleSnapshot

    snapshot = ScheduleSnapshot.take(signer)
    yield snapshot.found
    snapshot.restore()


# -- reports: redaction, bug-report reasons, JUnit names and properties -----------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, ContractViolation):
        report.contract_reason = call.excinfo.value.reason  # type: ignore[attr-defined]
        report.contract_bug = str(call.excinfo.value)  # type: ignore[attr-defined]
    return report


class Redactor:
    """Registered for one run (it holds that run's secrets): masks every credential in a report
    before any reporter (terminal, JUnit, subtests) sees it, and again after plugins that rewrite
    a failure's text in ``pytest_exception_interact`` (Schemathesis does)."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.scrub(report)

    @pytest.hookimpl(trylast=True)
    def pytest_exception_interact(self, node, call, report) -> None:
        self.scrub(report)

    def scrub(self, report: pytest.TestReport) -> None:
        secrets = self.secrets
        if isinstance(report.longrepr, tuple):
            path, line, reason = report.longrepr
            report.longrepr = (path, line, secrets.scrub(reason))
        elif report.longrepr is not None:
            report.longrepr = secrets.scrub(str(report.longrepr))
        for name in ("contract_reason", "contract_bug"):
            if getattr(report, name, None):
                setattr(report, name, secrets.scrub(getattr(report, name)))
        report.sections = [(title, secrets.scrub(content)) for title, content in report.sections]


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    xml = junit_of(config)
    if xml is not None:
        for name, value in run_properties(config).items():
            xml.add_global_property(name, value)
    if base_url(config) and config.getoption("allow_distribution"):
        banner = (
            "!" * 78 + "\n"
            f"!! --allow-distribution: this run QUEUES, MODIFIES AND CANCELS REAL DISTRIBUTIONS on {base_url(config)}\n"
            "!! Stakes will be paid. Never point this at production.\n" + "!" * 78
        )
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(banner, red=True, bold=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    summary = session.config.stash.get(SUMMARY, None)
    if summary is not None and summary.strict_failures() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    path = session.config.getoption("contract_report")
    if path and summary is not None:
        write_report(session.config, summary, Path(path))


def write_report(config: pytest.Config, summary: Summary, path: Path) -> None:
    from datetime import UTC, datetime

    from .html_report import render

    secrets = config.stash[SECRETS]
    rows = [(case, summary.title(case), *summary.cases[case]) for case in sorted(summary.cases)]
    closing = summary.closing_line() + "".join(f"\n--strict: {p}" for p in summary.strict_failures())
    generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    html = render(run_properties(config), generated, rows, closing, summary.bugs, secrets.scrub)
    path.write_text(secrets.scrub(html), encoding="utf-8")


def run_properties(config: pytest.Config) -> dict[str, str]:
    mode = mode_of(config)
    target = (
        base_url(config) or config.getoption("mock_url") or ("served mock" if mode == "served" else "in-process mock")
    )
    if mode == "live":
        profile = "live: " + (
            "distribution" if config.getoption("allow_distribution")
            else "writes" if config.getoption("allow_writes") else "read-only"
        )  # fmt: skip
    else:
        profile = "mock"
    seed = config.getoption("hypothesis_seed", None)
    return {
        "target": str(target),
        "mode": profile,
        "seed": "random" if seed is None else str(seed),
        "contract_version": str(document()["info"]["version"]),
    }


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    summary = config.stash.get(SUMMARY, None)
    if summary is None or not summary.cases:
        return
    terminalreporter.section("contract cases")
    run = run_properties(config)
    terminalreporter.write_line(f"target: {run['target']}  mode: {run['mode']}")
    for line, outcome in summary.table():
        terminalreporter.write_line(
            line[:220], red=outcome == "failed", green=outcome == "passed", yellow=outcome == "skipped"
        )
    terminalreporter.write_line(summary.closing_line(), bold=True)
    for problem in summary.strict_failures():
        terminalreporter.write_line(f"--strict: {problem}", red=True)
