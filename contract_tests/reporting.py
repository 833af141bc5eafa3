"""What a run of the suite tells: each failure as a bug report (its reason one line, with what came
back), the run's properties (target, mode, seed, contract version) in the JUnit file and the HTML
report, the contract cases' table and totals at the end of the terminal output, and, when
``--contract-strict`` fails the run, why, as the very last lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import junit
from .contract import ContractViolation, document
from .leave_as_found import LEFT
from .options import base_url, mode_of
from .redactor import secrets_of
from .seed import replay, run_seed
from .summary import SUMMARY, Summary


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None and isinstance(call.excinfo.value, ContractViolation):
        report.contract_reason = call.excinfo.value.reason  # type: ignore[attr-defined]
        report.contract_bug = str(call.excinfo.value)  # type: ignore[attr-defined]
    return report


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
    seed = run_seed(config)
    return {
        "target": str(target),
        "mode": profile,
        "seed": str(seed),
        "replay": replay(seed),
        "contract_version": str(document()["info"]["version"]),
    }


def _summary(config: pytest.Config) -> Summary | None:
    summary = config.stash.get(SUMMARY, None)
    return summary if summary is not None and summary.ran_any() else None


@pytest.hookimpl(tryfirst=True)  # the JUnit file's properties before pytest writes it
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    summary = _summary(session.config)
    if summary is None:  # a run of other tests: nothing of the suite's in its files
        return
    junit.record(session.config, run_properties(session.config))
    if summary.strict_failures() and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    path = session.config.getoption("contract_report")
    if path:
        write_report(session.config, summary, Path(path))


def write_report(config: pytest.Config, summary: Summary, path: Path) -> None:
    from datetime import UTC, datetime

    from .html_report import render

    secrets = secrets_of(config)
    rows = [(case, summary.title(case), *summary.cases[case]) for case in sorted(summary.cases)]
    closing = summary.closing_line() + "".join(f"\n--strict: {p}" for p in summary.strict_failures())
    generated = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    html = render(run_properties(config), generated, rows, closing, summary.bugs, secrets.scrub)
    path.write_text(secrets.scrub(html), encoding="utf-8")


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    summary = _summary(config)
    if summary is None:
        return
    terminalreporter.section("contract cases")
    run = run_properties(config)
    terminalreporter.write_line(f"target: {run['target']}  mode: {run['mode']}  seed: {run['seed']}")
    for line, outcome in summary.table():
        terminalreporter.write_line(
            line[:320], red=outcome == "failed", green=outcome == "passed", yellow=outcome == "skipped"
        )
    terminalreporter.write_line(summary.closing_line(), bold=True)
    terminalreporter.write_line(f"replay this run's examples: {run['replay']}")
    left = config.stash.get(LEFT, None)  # how a running mock was left (``leave_as_found``)
    if left:
        terminalreporter.write_line(left)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own closing lines: why ``--contract-strict`` failed the run."""
    summary = _summary(config)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    problems = summary.strict_failures() if summary is not None else []
    if not problems or reporter is None or hasattr(config, "workerinput"):
        return
    reporter.write_line(
        f"--strict (--contract-strict) failed the run: {len(problems)} cases not fully checked, each for want "
        "of an option:",
        red=True,
        bold=True,
    )
    for problem in problems:
        reporter.write_line(f"--strict: {problem}", red=True)
