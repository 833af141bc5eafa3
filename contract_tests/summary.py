"""What a run checked, in one screen: a line per case with its outcome and reason, then one line of
totals that says how much was not checked and what it would take (no false green).

Skips for a missing credential or option name it in a fixed form (``needs --totp-secret: ...``), so
the totals can group them and ``--strict`` can fail a run that left cases unchecked.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from .catalogue import CASES

CASE_ID = re.compile(r"test_(t[cx]\d\d)", re.IGNORECASE)
NEED = re.compile(r"needs (--[a-z0-9-]+|the mock)\b")
OPTIONS = (
    "--token", "--totp-secret", "--non-admin-token", "--admin-identifier", "--allow-writes", "--allow-distribution",
)  # fmt: skip


def case_of(nodeid: str) -> str | None:
    match = CASE_ID.search(nodeid.split("::")[-1])
    return match.group(1).upper() if match else None


def needs(what: str, why: str) -> str:
    """A skip reason in the form the totals group: ``needs --totp-secret: a valid 2FA code``."""
    return f"needs {what}: {why}"


def skip_for(what: str, why: str):
    pytest.skip(needs(what, why))


def junit_of(config: pytest.Config):
    from _pytest.junitxml import xml_key

    return config.stash.get(xml_key, None)


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
        self.bugs: dict[str, list[tuple[str, str]]] = {}  # case -> (test, bug report) of each failure

    @staticmethod
    def title(case: str) -> str:
        return CASES.get(case, "")

    # -- hooks ---------------------------------------------------------------------------------------
    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        case = case_of(nodeid)
        xml = junit_of(self.config) if case and self.config is not None else None
        if xml is not None:
            test = nodeid.split("::")[-1]
            xml.node_reporter(nodeid).add_attribute("name", f"{case} {self.title(case)}: {test}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        case = case_of(report.nodeid)
        if case is None or (report.when != "call" and not (report.skipped or report.failed)):
            return
        outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
        self.tests[outcome] += 1
        reason = ""
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = report.longrepr[2].removeprefix("Skipped: ")
            need = NEED.match(reason)
            if need:
                self.missing.setdefault(case, set()).add(need.group(1))
        elif report.failed:
            reason = getattr(report, "contract_reason", "") or _last_line(report)
            bug = getattr(report, "contract_bug", "") or str(report.longrepr)[-3000:]
            self.bugs.setdefault(case, []).append((report.nodeid.split("::")[-1], bug))
        previous = self.cases.get(case)
        if previous is None or RANK[outcome] > RANK[previous[0]]:
            self.cases[case] = (outcome, reason)

    # -- what it prints ------------------------------------------------------------------------------
    def table(self) -> list[tuple[str, str]]:
        rows = []
        for case in sorted(self.cases):
            outcome, reason = self.cases[case]
            rows.append((f"{case}  {self.title(case):32s} {outcome.upper():8s} {reason}", outcome))
        return rows

    def closing_line(self) -> str:
        counts = Counter(outcome for outcome, _ in self.cases.values())
        line = (
            f"{len(self.cases)} cases: {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped"
        )
        skipped = [case for case, (outcome, _) in self.cases.items() if outcome == "skipped"]
        wanted: Counter[str] = Counter()
        for case in skipped:
            for need in self.missing.get(case, {"other reasons"}):
                wanted[need] += 1
        if wanted:
            line += (
                " ("
                + ", ".join(
                    f"{n} need {w}" if w != "other reasons" else f"{n} for other reasons"
                    for w, n in wanted.most_common()
                )
                + ")"
            )
        partly = sorted(
            c for c, (o, _) in self.cases.items() if o == "passed" and self.missing.get(c, set()) & set(OPTIONS)
        )
        if partly:
            line += f"; {len(partly)} passed with parts skipped for a missing option ({', '.join(partly)})"
        tests = self.tests
        line += f"; tests: {tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped"
        return line

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
