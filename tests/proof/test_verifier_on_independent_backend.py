"""The contract suite as QA runs it against a backend we did not write (``tests/proof/independent_backend.py``).

- on a correct backend it passes read-only (token, TOTP secret, non-admin token, an admin's identifier
  and password), and with
  ``--allow-writes`` it also passes and leaves the backend exactly as it found it;
- for each planted fault it fails and names the case that catches it;
- no token, TOTP secret, 2FA code or password it holds appears in anything it writes.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyotp
import pytest

from contract_tests.catalogue import CASES
from contract_tests.redaction import JWT
from contract_tests.target import wait_until_answers

from ..conftest import PROOF_FUZZ, free_port
from ..preloaded import Forked, run_module
from ..pytest_runs import Run, run_all, run_one
from .independent_backend import FAULTS

ROOT = Path(__file__).resolve().parents[2]
CAUGHT_BY = {
    "writes-without-2fa": "TC06",
    "errors-without-code": "TC04",
    "malformed-json-500": "TC13",
    "reads-without-token": "TC04",
    "missing-schedule-field": "TC03",
    "short-timezone-list": "TC02",
    "public-status-needs-token": "TC01",
    "completed-slot-pays-zero": "TC22",
    "today-in-utc": "TC27",
    "overdue-pending": "TC24",
    # BRIEF section 11
    "statistics-as-numbers": "TX10",
    "details-disagree-with-record": "TX10",
    "open-day-in-history": "TX09",
    "pool-recipients-above-users": "TX09",
    "relative-download-url": "TX11",
    "totals-without-projection": "TX15",
    "platform-day-at-utc-midnight": "TX08",
    "sign-in-without-code": "TX14",
    "logout-refuses-empty-body": "TX20",
    "message-without-field": "TX18",
}


class Independent:
    def __init__(self, *faults: str) -> None:
        self.started_on = datetime.now(UTC).date()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        arguments = ["--port", str(self.port)]
        for fault in faults:
            arguments += ["--fault", fault]
        handle, name = tempfile.mkstemp(prefix="independent-backend-", suffix=".log")
        os.close(handle)
        self.output = Path(name)
        self.process = Forked("tests.proof.independent_backend", arguments, self.output, cwd=ROOT)
        if not wait_until_answers(f"{self.url}/config", is_up=lambda: self.process.poll() is None):
            said = [line for line in self.output.read_text().splitlines() if "=" not in line]  # no credential
            raise RuntimeError("the independent backend did not start: " + "\n".join(said[-20:]))
        printed = [line.split("=", 1) for line in self.output.read_text().splitlines() if "=" in line]
        found = {pair[0]: pair[1] for pair in printed}  # printed before it answers
        self.token, self.support, self.secret = found["token"], found["support"], found["secret"]
        self.identifier, self.password = found["identifier"], found["password"]

    def credentials(self) -> list[str]:
        # the password as one argument: a password may start with "-", which pytest would take for an option
        return ["--token", self.token, "--totp-secret", self.secret, "--non-admin-token", self.support,
                "--admin-identifier", self.identifier, f"--admin-password={self.password}"]  # fmt: skip

    def state(self) -> tuple:
        headers = {"Authorization": f"Bearer {self.token}"}
        schedule = httpx.get(f"{self.url}/api/v1/admin/cron-settings/distribution-schedule", headers=headers).json()
        today = httpx.get(f"{self.url}/api/v1/admin/daily-declaration-returns/today/status", headers=headers).json()
        data = schedule["data"]
        return data["timezone"], data["schedules"], data["isEnabled"], today["data"]["values"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.output.unlink(missing_ok=True)  # it holds the backend's credentials

    def calendar_hid(self, fault: str) -> bool:
        """Whether the calendar, not the suite, hid ``fault``: 'today-in-utc' shows only while the
        backend's date (in the zone it chose at start) differs from the UTC date, which a run that
        crosses UTC midnight stops being true (no zone's date differs from UTC's on both sides)."""
        return fault == "today-in-utc" and datetime.now(UTC).date() != self.started_on


def suite_run(package: str | list[str], url: str, *options: str) -> Run:
    """The suite as QA runs it (``pytest --pyargs PACKAGE --base-url URL ...``), in a process of its own."""
    packages = [package] if isinstance(package, str) else package
    args = ["--pyargs", *packages, "-p", "no:cacheprovider", "-q", "--base-url", url, "--hypothesis-seed=1", *options]
    return Run(args, ROOT, PROOF_FUZZ)


def case_modules(case: str) -> list[str]:
    """The case modules that hold tests of ``case``: a planted fault's run collects those alone (a
    third of a run's time is collecting the others)."""
    cases = ROOT / "contract_tests" / "cases"
    holding = [path.stem for path in sorted(cases.glob("test_*.py")) if f"def test_{case.lower()}_" in path.read_text()]
    return [f"contract_tests.cases.{stem}" for stem in holding]


def suite(package: str, url: str, *options: str) -> subprocess.CompletedProcess:
    return run_one(suite_run(package, url, *options))


def failed_cases(output: str) -> set[str]:
    return set(re.findall(r"^(T[CX]\d\d) .*FAILED", output, re.MULTILINE))


@pytest.mark.parametrize("writes", [False, True], ids=["read-only", "allow-writes"])
def test_a_correct_backend_passes_and_is_left_as_found(backend, writes):
    correct = backend()
    before = correct.state()
    run = suite("contract_tests", correct.url, *correct.credentials(), *(["--allow-writes"] if writes else []))
    assert run.returncode == 0, run.stdout[-4000:]
    assert correct.state() == before, "the run left the backend changed"
    assert re.search(rf"^{len(CASES)} cases: \d+ passed, 0 failed", run.stdout, re.MULTILINE), run.stdout[-1500:]


def test_each_planted_fault_fails_the_case_that_catches_it(backend):
    servers = {fault: backend(fault) for fault in FAULTS}

    def run(fault: str) -> Run:  # the case named for the fault, one pytest run each
        case = CAUGHT_BY[fault]
        only = ["-k", case.lower(), "-p", "no:schemathesis"]
        return suite_run(case_modules(case), servers[fault].url, *servers[fault].credentials(), *only)

    results = dict(zip(FAULTS, run_all([run(fault) for fault in FAULTS]), strict=True))
    for fault in [fault for fault in FAULTS if servers[fault].calendar_hid(fault)]:
        servers[fault] = backend(fault)  # once more, on a backend started on the new UTC date
        results[fault] = run_one(run(fault))
    missed = {
        fault: sorted(failed_cases(result.stdout))
        for fault, result in results.items()
        if result.returncode == 0 or CAUGHT_BY[fault] not in failed_cases(result.stdout)
    }
    said = {fault: results[fault].stdout[-1500:] for fault in missed}  # why: its run's last words
    assert not missed, f"faults not caught by their case (fault: cases that failed): {missed}\n{said}"


def test_no_credential_in_any_output(backend, tmp_path):
    """A failing run with every way pytest has to show values: no secret in its output (stdout and
    stderr, read as one), the JUnit file or the HTML report. The sign-in checks fail too, on answers
    that carry a token the run never held (a sign-in without the code)."""
    broken = backend("errors-without-code", "missing-schedule-field", "writes-without-2fa", "sign-in-without-code")
    junit, html = tmp_path / "report.xml", tmp_path / "report.html"
    run = suite(
        "contract_tests", broken.url, *broken.credentials(), "--allow-writes", "-l", "--tb=long", "-rA",
        f"--junitxml={junit}", "-o", "junit_logging=all", f"--contract-report={html}",
    )  # fmt: skip
    assert run.returncode != 0, "the broken backend was expected to fail the run"
    secrets = {broken.token, broken.secret, broken.support, broken.password, "Admin123!"}
    # The codes the run could have generated: every 30 s step from a little before it to now
    # (as whole numbers: a code's digits may also occur inside a timestamp or an amount).
    now = time.time()
    totp = pyotp.TOTP(broken.secret)
    codes = {totp.at(now - step) for step in range(0, 600, 30)}
    outputs = {"stdout and stderr": run.stdout, "junit": junit.read_text(), "html": html.read_text()}
    for name, text in outputs.items():
        leaked = [secret[:6] + "..." for secret in secrets if secret in text]
        leaked += [f"code {code}" for code in codes if re.search(rf"(?<![\d.]){code}(?![\d.])", text)]
        assert not leaked, f"credentials in {name}: {leaked}"
    token_parts = broken.token.split(".")
    assert token_parts[2] not in outputs["junit"] and token_parts[1] not in outputs["stdout and stderr"]
    for name, text in outputs.items():  # the tokens it was answered (a sign-in's): no JWT at all
        assert not JWT.search(text), f"a token in {name}: {JWT.search(text).group(0)[:12]}..."
    assert "TX14" in failed_cases(run.stdout), "the sign-in checks did not fail: the answers with a token went unseen"


def test_the_html_report_reads_as_bug_reports_in_a_browser(backend, tmp_path):
    """`verify --report`: one self-contained file, rendered in headless Chromium (screenshot kept)."""
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    playwright = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    broken = backend("errors-without-code")
    html = tmp_path / "report.html"
    arguments = ["verify", broken.url, *broken.credentials(), "--report", str(html), "-k", "tc01 or tc04"]
    run = run_module("mock_server", arguments, cwd=ROOT, timeout=300)
    assert run.returncode == 1 and html.is_file(), run.stdout[-2000:]
    text = html.read_text()
    assert "<script" not in text and "http://" not in text.split(broken.url)[0], "the file must stand alone"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        tab = browser.new_page()
        tab.route(
            "**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else route.continue_()
        )
        tab.goto(html.as_uri())
        shown = tab.inner_text("body")
        tab.screenshot(path=str(ROOT / ".report-screenshot.png"), full_page=True)
        browser.close()
    assert broken.url in shown and "live: read-only" in shown and "contract: 1.0.0" in shown
    failed = [line for line in shown.splitlines() if line.startswith("TC04")]
    assert failed and "FAILED" in failed[0], shown[:1500]
    assert "sent:" in shown and "expected:" in shown and "rule:" in shown and "BRIEF" in shown
    for secret in (broken.token, broken.secret, broken.support):
        assert secret not in text
