"""Mutation check: each deliberate fault in a copy of the mock makes the contract suite fail and
name the case that catches it."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .mutants import MUTANTS

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "wrong-status": {"TC16", "TC17", "TC18"},
    "missing-field": {"TC03", "TC08"},
    "no-2fa": {"TC06"},
    "slot-runs-twice": {"TC21", "TC22"},
    "wrong-offset": {"TC02"},
}


def run_suite(mutant: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests.cases", "-q", "-p", "no:cacheprovider",
         "-p", "tests.mutants", "-p", "no:warnings"],
        cwd=ROOT, env={**os.environ, "MOCK_MUTANT": mutant}, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def outcomes() -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(MUTANTS, pool.map(run_suite, MUTANTS), strict=True))


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_suite_fails_and_names_the_case(outcomes, mutant):
    result = outcomes[mutant]
    assert result.returncode != 0, f"the suite passed with the fault '{MUTANTS[mutant]}'"
    failed = {line.split()[0] for line in result.stdout.splitlines() if line[:2] == "TC" and "FAILED" in line}
    assert failed & EXPECTED[mutant], (
        f"'{MUTANTS[mutant]}' was expected to fail {sorted(EXPECTED[mutant])}; failed: {sorted(failed)}\n"
        + result.stdout[-2000:]
    )
