"""The run's redaction applied to pytest's reports: every credential the run was given or answered is
masked (``redaction.Secrets``) before any reporter (terminal, JUnit, subtests, the HTML report) sees it."""

from __future__ import annotations

import pytest

from .items import is_suite_report
from .redaction import Secrets

SECRETS = pytest.StashKey[Secrets]()
GIVEN = ("token", "totp_secret", "non_admin_token", "admin_password")  # the options that hold credentials


def secrets_of(config: pytest.Config) -> Secrets:
    """The run's secrets (made with the credentials it was given, on first use)."""
    if SECRETS not in config.stash:
        secrets = Secrets()
        secrets.remember(*(config.getoption(name) for name in GIVEN))
        config.stash[SECRETS] = secrets
    return config.stash[SECRETS]


class Redactor:
    """Registered for one run (it holds that run's secrets): masks a report before the reporters see
    it, and again after plugins that rewrite a failure's text in ``pytest_exception_interact``
    (Schemathesis does)."""

    def __init__(self, secrets: Secrets) -> None:
        self.secrets = secrets

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.scrub(report)

    @pytest.hookimpl(trylast=True)
    def pytest_exception_interact(self, node, call, report) -> None:
        self.scrub(report)

    def scrub(self, report: pytest.TestReport) -> None:
        """The suite's reports, and any other once the run was given a credential (a report of
        someone else's test, in a run without one, is left as it is)."""
        secrets = self.secrets
        if not (is_suite_report(report) or secrets.holds_any()):
            return
        if isinstance(report.longrepr, tuple):
            path, line, reason = report.longrepr
            report.longrepr = (path, line, secrets.scrub(reason))
        elif report.longrepr is not None:
            report.longrepr = secrets.scrub(str(report.longrepr))
        for name in ("contract_reason", "contract_bug"):
            if getattr(report, name, None):
                setattr(report, name, secrets.scrub(getattr(report, name)))
        report.sections = [(title, secrets.scrub(content)) for title, content in report.sections]
