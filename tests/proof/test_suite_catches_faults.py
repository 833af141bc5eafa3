"""Mutation check: each deliberate fault, written into a copy of the mock's source, makes the
contract suite alone (``contract_tests``, not these tests) fail and name the case that catches it.

Each copy runs the cases named for its fault (``-k``): one pytest run each, in a process forked
from one that has imported the suite's dependencies (``tests/pytest_runs.py``), so the check stays
inside ``make test``'s time; ``tests/proof/mutants.py`` says which case catches which fault. The faults
are edits of the syntax tree: a reformat or a renamed local leaves each the same fault (the tests at
the end), and one that no longer applies says so, naming itself."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..pytest_runs import Run, run_all
from .mutants import MUTANTS, RESPONSES_UNCHECKED, ROOT, Mutant, MutantDoesNotApply, write_copy

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


EDITS = {**MUTANTS, RESPONSES_UNCHECKED.name: RESPONSES_UNCHECKED}


def shape(source: str) -> str:
    """What the code does: its syntax tree without docstrings (a formatter may re-indent those)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def reformatted(source: str, line_length: int) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [ruff, "format", "--isolated", "--line-length", str(line_length), "-"],
        input=source, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def with_locals_renamed(source: str, mutant: Mutant) -> str:
    """``source`` written anew (``ast.unparse``) with every local of the mutant's function renamed."""
    tree = ast.parse(source)
    scope = mutant.function_in(tree)
    assert scope is not None, mutant.where()
    arguments = [a for a in ast.walk(scope) if isinstance(a, ast.arg)]
    local = {a.arg for a in arguments}
    local |= {n.id for n in ast.walk(scope) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(scope):
        if isinstance(node, ast.Name) and node.id in local:
            node.id += "_renamed"
    for argument in arguments:
        argument.arg += "_renamed"
    return ast.unparse(tree)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_each_mutant_applies_once_to_the_mock_as_it_is(name):
    mutant = EDITS[name]
    path = mutant.path_in(ROOT)
    source = path.read_text(encoding="utf-8")
    mutated = mutant.apply(source, str(path))
    compile(mutated, str(path), "exec")
    assert shape(mutated) != shape(source)


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_reformat_leaves_each_mutant_the_same_fault(name):
    mutant = EDITS[name]
    source = mutant.path_in(ROOT).read_text(encoding="utf-8")
    expected = shape(mutant.apply(source))
    for line_length in (80, 200):
        assert shape(mutant.apply(reformatted(source, line_length))) == expected, f"--line-length {line_length}"


@pytest.mark.parametrize("name", sorted(EDITS))
def test_a_renamed_local_leaves_each_mutant_the_same_fault(name):
    mutant = EDITS[name]
    source = mutant.path_in(ROOT).read_text(encoding="utf-8")
    renamed = with_locals_renamed(source, mutant)
    assert renamed != ast.unparse(ast.parse(source)), "the function has locals to rename"
    assert shape(mutant.apply(renamed)) == shape(with_locals_renamed(mutant.apply(source), mutant))


def test_a_mutant_that_no_longer_applies_says_which_what_and_where(tmp_path):
    mutant = MUTANTS["half-even-cents"]
    with pytest.raises(MutantDoesNotApply, match=r"'half-even-cents'.*money in mock_server.domain.distribution"):
        mutant.apply("def other(value):\n    return value\n", "moved.py")
    twice = "def money(v):\n    return v.quantize(C, rounding=A) + v.quantize(C, rounding=B)\n"
    with pytest.raises(MutantDoesNotApply, match=r"'half-even-cents'.*the keyword rounding= in money.*found 2"):
        mutant.apply(twice, "twice.py")
    days = "class Days:\n    def finish_slot(self):\n        pass\n"
    for module in ("old", "new"):
        (tmp_path / "mock_server" / "state").mkdir(parents=True, exist_ok=True)
        (tmp_path / "mock_server" / "state" / f"{module}.py").write_text(days)
    with pytest.raises(
        MutantDoesNotApply, match=r"'slot-runs-twice'.*Days.finish_slot in mock_server.state: 2 modules"
    ):
        MUTANTS["slot-runs-twice"].path_in(tmp_path)
