"""What a run checked, in one screen: a line per case with its outcome and reason, then one line of
totals that says how much was not checked and what it would take (no false green).

Skips for a missing credential or option name it in a fixed form (``needs --totp-secret: ...``), so
the totals can group them and ``--strict`` can fail a run that left cases unchecked. Every count adds
up: each skipped case is counted once, under one need; the tests are counted as pytest counts them.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .catalogue import CASES
from .items import is_suite_report
from .junit import name_case

CASE_ID = re.compile(r"test_(t[cx]\d\d)", re.IGNORECASE)
NEED = re.compile(r"needs (--[a-z0-9-]+|the mock)\b")
OPTIONS = (
    "--token", "--totp-secret", "--non-admin-token", "--admin-identifier", "--allow-writes", "--allow-distribution",
)  # fmt: skip
# A skipped case whose tests needed several things is counted under the first of them in this order:
# an option first (given it, at least part of the case runs), the mock last (nothing given makes a live
# backend one).
NEED_ORDER = (*OPTIONS, "the mock")
OTHER = "other reasons"
# pytest's categories of a test's outcome (its terminal's), in the order its closing line names them
CATEGORIES = ("passed", "failed", "skipped", "error", "xfailed", "xpassed")


def case_of(nodeid: str) -> str | None:
    match = CASE_ID.search(nodeid.split("::")[-1])
    return match.group(1).upper() if match else None


def needs(what: str, why: str) -> str:
    """A skip reason in the form the totals group: ``needs --totp-secret: a valid 2FA code``."""
    return f"needs {what}: {why}"


def skip_for(what: str, why: str):
    pytest.skip(needs(what, why))


def first_need(wanted: set[str]) -> str:
    """The one need a skipped case is counted under (``NEED_ORDER``)."""
    for need in NEED_ORDER:
        if need in wanted:
            return need
    return OTHER


RANK = {"failed": 2, "passed": 1, "skipped": 0}
SUMMARY = pytest.StashKey["Summary"]()


class Summary:
    """Registered as a plugin for one run: it sees every case's report."""

    def __init__(self, config: pytest.Config | None = None, *, strict: bool = False) -> None:
        self.config = config
        self.strict = strict
        self.cases: dict[str, tuple[str, str]] = {}  # case -> (outcome, reason)
        self.tests: Counter[str] = Counter()
        self.missing: dict[str, set[str]] = {}  # case -> what its skipped tests needed
        self.said: dict[str, dict[str, str]] = {}  # case -> need -> the first skip reason that named it
        self.bugs: dict[str, list[tuple[str, str]]] = {}  # case -> (test, bug report) of each failure

    @staticmethod
    def title(case: str) -> str:
        return CASES.get(case, "")

    # -- hooks ---------------------------------------------------------------------------------------
    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        case = case_of(nodeid)
        if case and self.config is not None:
            name_case(self.config, nodeid, f"{case} {self.title(case)}: {nodeid.split('::')[-1]}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if is_suite_report(report):
            self.count(report)
        case = case_of(report.nodeid)
        if case is None or (report.when != "call" and not (report.skipped or report.failed)):
            return
        outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
        reason = ""
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = report.longrepr[2].removeprefix("Skipped: ")
            need = NEED.match(reason)
            if need:
                self.missing.setdefault(case, set()).add(need.group(1))
                self.said.setdefault(case, {}).setdefault(need.group(1), reason)
        elif report.failed:
            reason = getattr(report, "contract_reason", "") or _last_line(report)
            bug = getattr(report, "contract_bug", "") or str(report.longrepr)[-3000:]
            self.bugs.setdefault(case, []).append((report.nodeid.split("::")[-1], bug))
        previous = self.cases.get(case)
        if previous is None or RANK[outcome] > RANK[previous[0]]:
            self.cases[case] = (outcome, reason)

    def count(self, report: pytest.TestReport) -> None:
        """One more test of the suite, in the category pytest's own closing line counts it under."""
        if self.config is None:
            return
        status = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        category = status[0] if status else ""
        if category in CATEGORIES:
            self.tests[category] += 1

    def ran_any(self) -> bool:
        return bool(self.cases or self.tests)

    # -- what it prints ------------------------------------------------------------------------------
    def table(self) -> list[tuple[str, str]]:
        rows = []
        for case in sorted(self.cases):
            outcome, reason = self.cases[case]
            if outcome == "skipped":  # the reason it is counted under in the totals
                reason = self.said.get(case, {}).get(first_need(self.missing.get(case, set())), reason)
            rows.append((f"{case}  {self.title(case):32s} {outcome.upper():8s} {reason}", outcome))
        return rows

    def closing_line(self) -> str:
        if not self.cases:  # the fuzz alone
            return "no contract case in this run; tests: " + self.tests_line()
        counts = Counter(outcome for outcome, _ in self.cases.values())
        line = (
            f"{len(self.cases)} cases: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        skipped = [case for case, (outcome, _) in self.cases.items() if outcome == "skipped"]
        wanted = Counter(first_need(self.missing.get(case, set())) for case in skipped)
        if wanted:
            said = [f"{n} need {w}" if w != OTHER else f"{n} for {OTHER}" for w, n in wanted.most_common()]
            line += f" ({', '.join(said)})"
        partly = sorted(
            c for c, (o, _) in self.cases.items() if o == "passed" and self.missing.get(c, set()) & set(OPTIONS)
        )
        if partly:
            line += f"; {len(partly)} passed with parts skipped for a missing option ({', '.join(partly)})"
        return line + "; tests: " + self.tests_line()

    def tests_line(self) -> str:
        """The suite's tests as pytest counts them: passed, failed and skipped always, the rest when any."""
        tests = self.tests
        shown = [c for c in CATEGORIES if c in ("passed", "failed", "skipped") or tests[c]]
        return ", ".join(f"{tests[c]} {c}{'s' if c == 'error' and tests[c] != 1 else ''}" for c in shown)

    def strict_failures(self) -> list[str]:
        if not self.strict:
            return []
        found = []
        for case in sorted(self.missing):
            options = sorted(self.missing[case] & set(OPTIONS))
            if options:
                found.append(f"{case} was not fully checked: it needs {', '.join(options)}")
        return found


def _last_line(report: pytest.TestReport) -> str:
    lines = [line.strip() for line in str(report.longrepr).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    return (errors[-1] if errors else lines[-1] if lines else "")[:160]
