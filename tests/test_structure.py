"""The design rules DEVELOPERS.md and the structure issue ask for, checked on the source: the layers
and what the domain may import by import-linter (``[tool.importlinter]`` in pyproject.toml), private
names by ruff (``SLF``), and on syntax trees what neither can say (where due work runs)."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MOCK = ROOT / "mock_server"
BIN = Path(sys.executable).parent
WRITES = {"insert_one", "insert_many", "update_one", "update_many", "delete_one", "delete_many",
          "find_one_and_update", "drop_collection", "replace_one"}  # fmt: skip


def unbumped_writes(path: Path) -> list[str]:
    """The database writes of a module that are not inside ``with ...writing(...)`` (``state.changes``:
    the versions are bumped when that block ends, so after the write)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr in {"writing", "_writing"}
            for item in node.items
        ):
            inside.update(ast.walk(node))
    return [
        f"{path.name}:{node.lineno} {node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
        if node not in inside
    ]


def test_every_store_write_tells_the_runner_something_changed():
    modules = sorted((MOCK / "state").glob("*.py"))
    assert {"store.py", "changes.py", "days.py", "ledger.py"} <= {path.name for path in modules}
    forgetful = [write for path in modules for write in unbumped_writes(path)]
    assert not forgetful, f"store writes outside changes.writing (no bump after them): {forgetful}"


def test_every_import_linter_contract_is_kept():
    """The layers (handlers > http > views > engine > state > domain), a pure domain that knows no HTTP
    nor storage library, a suite that never imports the mock, a server that never imports its tools."""
    done = subprocess.run([BIN / "lint-imports", "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and " 0 broken" in done.stdout, done.stdout + done.stderr


def test_no_private_names_of_other_modules():
    """ruff's SLF001, with its one exception named in pyproject.toml (``http/document_check.py``)."""
    done = subprocess.run(
        [BIN / "ruff", "check", "--select", "SLF001", "--output-format", "concise", "mock_server", "contract_tests"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def calls_of(method: str) -> dict[str, int]:
    """Module path -> how many calls ``<something>.method()`` it makes, across ``mock_server``."""
    found = {}
    for path in sorted(MOCK.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        count = sum(
            1
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
        )
        if count:
            found[str(path.relative_to(ROOT))] = count
    return found


def test_due_work_runs_in_one_place_on_the_request_path():
    """The request path (middleware, before every handler) and the real-time ticker; of the handlers,
    only the two writes that make a past slot due (queue, force-reset) run it again before answering,
    so that their answer shows what a read right after shows."""
    assert calls_of("catch_up") == {
        "mock_server/app.py": 1,
        "mock_server/http/middleware/services.py": 1,
        "mock_server/handlers/declarations.py": 2,
    }


@pytest.mark.parametrize(
    "module", ["mock_server.http.auth", "mock_server.http.validation", "mock_server.http.document_check"]
)
def test_connexion_is_the_tested_minor_version(module):
    """We build on Connexion's request path (security handler, body validator) and stand in for its
    document check at start-up: an upgrade past the tested minor must be a decision, not an accident.
    pyproject pins it; this fails loudly if not."""
    installed = version("connexion")
    major, minor = (int(part) for part in installed.split(".")[:2])
    assert (major, minor) == (3, 3), f"Connexion {installed}: {module} was written for 3.3"


def test_the_published_contract_names_no_mock_internals():
    text = (ROOT / "openapi" / "contract.yaml").read_text(encoding="utf-8")
    assert "mock_server" not in text and "x-bearerInfoFunc" not in text


def test_no_private_connexion_state_on_the_request_path():
    """Connexion keeps its routing in ``scope["extensions"]["connexion_routing"]``, which it does not
    document: the mock finds a request's operation itself (``http.routes``)."""
    for path in MOCK.rglob("*.py"):
        constants = {
            n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Constant)
        }
        assert "connexion_routing" not in constants, path
