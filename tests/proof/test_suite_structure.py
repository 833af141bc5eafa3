"""The contract suite's own rules, checked on its source: every case failure is a bug report
(ContractViolation through ``fail``/``check``/``expect``, never a bare ``assert``), and it imports
nothing of the mock (also enforced by ruff's banned-api rule in ``make lint``)."""

from __future__ import annotations

import ast
from pathlib import Path

SUITE = Path(__file__).resolve().parents[2] / "contract_tests"


def _modules():
    return sorted(SUITE.rglob("*.py"))


def test_cases_have_no_bare_asserts():
    found = []
    for path in sorted((SUITE / "cases").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assert):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, f"bare asserts in cases (use check/fail/expect for a bug report): {found}"


def test_the_suite_imports_nothing_of_the_mock():
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{path.relative_to(SUITE)}:{node.lineno} {n}" for n in names if n.split(".")[0] == "mock_server"]
    assert not found, found


def test_the_fuzz_parts_hold_every_operation_exactly_once():
    """In-process the fuzz is split into parts by tags (one xdist worker each), against one backend it is
    one test: every operation of the document is fuzzed once either way, none left out, none twice."""
    import schemathesis

    from contract_tests.contract import document
    from contract_tests.fuzz.test_schemathesis import EVERY, ORDER, operations_in_part

    schema = schemathesis.openapi.from_dict(document())

    def labels(part: str) -> list[str]:
        return [result.ok().label for result in operations_in_part(schema, part).get_all_operations()]

    every = labels(EVERY)
    assert len(every) == 30 and len(set(every)) == 30, every
    split = [label for part in ORDER for label in labels(part)]
    assert sorted(split) == sorted(every), f"the parts hold {sorted(split)}"
