"""Mutation check: each deliberate fault, written into a copy of the mock's source, makes the
contract suite alone (``contract_tests``, not these tests) fail and name the case that catches it.

Each copy runs the cases named for its fault (``-k``): one pytest run each, in a process forked
from one that has imported the suite's dependencies (``tests/pytest_runs.py``), so the check stays
inside ``make test``'s time; ``tests/mutants.py`` says which case catches which fault."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .mutants import MUTANTS, ROOT, write_copy
from .pytest_runs import Run, run_all

pytestmark = pytest.mark.xdist_group("suite_catches_faults")  # its tests share one module fixture: one worker


def mutant_run(name: str, base: Path) -> Run:
    folder = write_copy(name, base / name)
    cases = " or ".join(sorted(case.lower() for case in MUTANTS[name].caught_by))
    args = ["--pyargs", "contract_tests.cases", "-q", "-p", "no:cacheprovider", "-p", "no:warnings",
            "-p", "no:schemathesis", "-k", cases]  # fmt: skip
    path_first = [folder, ROOT]
    return Run(args, base, {"PYTHONPATH": os.pathsep.join(map(str, path_first))}, path_first)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    base = tmp_path_factory.mktemp("mutants")
    return dict(zip(MUTANTS, run_all([mutant_run(name, base) for name in MUTANTS]), strict=True))


def test_there_are_at_least_ten_faults():
    assert len(MUTANTS) >= 10


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_contract_suite_fails_and_names_the_case(outcomes, mutant):
    result = outcomes[mutant]
    fault = MUTANTS[mutant]
    assert result.returncode == 1, f"the suite did not fail with the fault '{fault.what}':\n{result.stdout[-3000:]}"
    failed = {line.split()[0] for line in result.stdout.splitlines() if line[:2] == "TC" and "FAILED" in line}
    assert failed & fault.caught_by, (
        f"'{fault.what}' was expected to fail one of {sorted(fault.caught_by)}; failed: {sorted(failed)}\n"
        + result.stdout[-2000:]
    )
