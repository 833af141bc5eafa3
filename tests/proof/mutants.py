"""Deliberate faults for the mutation check, each written into a copy of the mock's source.

A mutant is one edit of the syntax tree: it finds its module by import path (or searches a package
for it, where the code is being moved between modules), its function by qualified name, and in it
exactly one node (a constant, a comparison, a keyword argument, a statement...) that it rewrites;
the function is written back in place, the rest of the file as it was. A reformat or a renamed
local leaves a mutant working; one whose code is gone, or no longer unique, raises
``MutantDoesNotApply`` naming the mutant, what it looked for and where.

The copy is put first on ``PYTHONPATH``; the contract suite then runs against it in-process, with the
mock's own response validation switched off (an edit of the same kind), so it is the suite that
must notice.
"""

from __future__ import annotations

import ast
import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

Scope = ast.FunctionDef | ast.AsyncFunctionDef
Rewrite = Callable[[ast.AST, Scope], ast.AST | list[ast.stmt]]


class MutantDoesNotApply(AssertionError):
    """The code a mutant edits is not there (or not once): the table below needs mending."""


@dataclass(frozen=True)
class Edit:
    looks_for: str  # the node, in words (for the message when it is not found)
    matches: Callable[[ast.AST], bool]
    rewrite: Rewrite  # the node's replacement (a list: statements in place of one)


@dataclass(frozen=True)
class Mutant:
    name: str
    what: str  # the fault, in words
    module: str  # import path of the module, or of a package to search for ``scope``
    scope: str  # qualified name of the function edited: "split_evenly", "Days.claim_slot"
    edit: Edit
    caught_by: frozenset[str] = frozenset()  # the case IDs expected to fail (at least one must)

    def where(self) -> str:
        return f"{self.scope} in {self.module}"

    def refuse(self, why: str) -> MutantDoesNotApply:
        return MutantDoesNotApply(f"mutant {self.name!r} ({self.what}): {why}")

    def function_in(self, tree: ast.Module) -> Scope | None:
        return _scope(tree, self.scope)

    def path_in(self, root: Path) -> Path:
        """The file under ``root`` (the folder that holds ``mock_server``) that defines the scope."""
        base = root.joinpath(*self.module.split("."))
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py")
        files = sorted(base.rglob("*.py")) if base.is_dir() else []
        found = [path for path in files if _scope(ast.parse(path.read_text(encoding="utf-8")), self.scope)]
        if len(found) != 1:
            names = [str(path.relative_to(root)) for path in found]
            raise self.refuse(f"looked for {self.where()}: {len(found)} modules define it {names or ''}".rstrip())
        return found[0]

    def apply(self, source: str, filename: str = "<source>") -> str:
        """``source`` with the fault written in: the scope rewritten, everything else untouched."""
        tree = ast.parse(source)
        scope = _scope(tree, self.scope)
        if scope is None:
            raise self.refuse(f"looked for {self.where()}: no such function in {filename}")
        targets = [node for node in ast.walk(scope) if self.edit.matches(node)]
        if len(targets) != 1:
            raise self.refuse(
                f"looked for {self.edit.looks_for} in {self.scope} ({filename}): found {len(targets)}, not one"
            )
        try:
            _Replace(targets[0], self.edit.rewrite(targets[0], scope)).visit(scope)
        except LookupError as exc:  # what the rewrite needed besides the node
            raise self.refuse(f"in {self.scope} ({filename}): {exc}") from None
        return _write_back(source, scope)


def _scope(tree: ast.Module, qualified: str) -> Scope | None:
    node: ast.AST | None = tree
    for part in qualified.split("."):
        body = getattr(node, "body", [])
        node = next((n for n in body if isinstance(n, ast.ClassDef | Scope) and n.name == part), None)
    return node if isinstance(node, Scope) else None


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, replacement: ast.AST | list[ast.stmt]) -> None:
        self.target, self.replacement = target, replacement

    def visit(self, node: ast.AST):
        return self.replacement if node is self.target else self.generic_visit(node)


def _write_back(source: str, scope: Scope) -> str:
    """``source`` with the lines of ``scope`` replaced by its (edited) tree, at its indentation."""
    lines = source.splitlines(keepends=True)
    first = min([scope.lineno, *(d.lineno for d in scope.decorator_list)]) - 1
    indent = " " * scope.col_offset
    text = "".join(f"{indent}{line}\n" if line else "\n" for line in ast.unparse(scope).splitlines())
    return "".join([*lines[:first], text, *lines[scope.end_lineno :]])


def _only(scope: ast.AST, looks_for: str, matches: Callable[[ast.AST], bool]) -> ast.AST:
    found = [node for node in ast.walk(scope) if matches(node)]
    if len(found) != 1:
        raise LookupError(f"looked for {looks_for}: found {len(found)}, not one")
    return found[0]


def _expr(template: str, **parts: ast.AST) -> ast.expr:
    """An expression written as text, its capitalised names standing for the given nodes (copied)."""
    return _Fill(parts).visit(ast.parse(template, mode="eval").body)


def _stmt(template: str, **parts: ast.AST) -> ast.stmt:
    return _Fill(parts).visit(ast.parse(template).body[0])


class _Fill(ast.NodeTransformer):
    def __init__(self, parts: dict[str, ast.AST]) -> None:
        self.parts = parts

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy.deepcopy(self.parts[node.id]) if node.id in self.parts else node


# -- what the mutants look for -----------------------------------------------------------------------
def _constant(value) -> Callable[[ast.AST], bool]:
    return lambda node: isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value


def _method_call(name: str) -> Callable[[ast.AST], bool]:
    return lambda node: isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def _keyword(name: str) -> Callable[[ast.AST], bool]:
    return lambda node: isinstance(node, ast.keyword) and node.arg == name


def _dict_entry(node: ast.AST, key: str) -> ast.expr | None:
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    return None


def _returns_status(status: int) -> Callable[[ast.AST], bool]:
    """``return body, status``."""
    return lambda node: (
        isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and _constant(status)(node.value.elts[-1])
    )


def _raises(code: str) -> Callable[[ast.AST], bool]:
    """``if ...:`` whose own body raises an error carrying ``code``."""
    return lambda node: (
        isinstance(node, ast.If)
        and any(isinstance(stmt, ast.Raise) and any(_constant(code)(n) for n in ast.walk(stmt)) for stmt in node.body)
    )


def _writes_field(field: str) -> Callable[[ast.AST], bool]:
    """A simple statement whose call ``$set``s ``field`` (a MongoDB update)."""

    def matches(node: ast.AST) -> bool:
        return isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign) and any(
            _dict_entry(_dict_entry(n, "$set"), field) is not None for n in ast.walk(node) if isinstance(n, ast.Dict)
        )

    return matches


def _pending_claim(node: ast.AST) -> bool:
    """``{"_id": ..., "status": "PENDING"}``: a filter that only matches a PENDING slot."""
    status = _dict_entry(node, "status")
    return _dict_entry(node, "_id") is not None and status is not None and _constant("PENDING")(status)


def _returns_converted(node: ast.AST) -> bool:
    """``if ...: return X.astimezone(Z)``."""
    return (
        isinstance(node, ast.If)
        and len(node.body) == 1
        and isinstance(node.body[0], ast.Return)
        and node.body[0].value is not None
        and _method_call("astimezone")(node.body[0].value)
    )


# -- how they rewrite it -----------------------------------------------------------------------------
def _set(**fields) -> Rewrite:
    def rewrite(node: ast.AST, _scope: Scope) -> ast.AST:
        for name, value in fields.items():
            setattr(node, name, copy.deepcopy(value))
        return node

    return rewrite


def _status_200(node: ast.AST, _scope: Scope) -> ast.AST:
    node.value.elts[-1] = ast.Constant(200)
    return node


def _runs_again(node: ast.AST, _scope: Scope) -> list[ast.stmt]:
    """After the write that finishes a slot: once, put a COMPLETED slot back to PENDING."""
    call = _only(
        node,
        "the update call (filter, {'$set': ...})",
        lambda n: isinstance(n, ast.Call) and len(n.args) >= 2 and _dict_entry(n.args[1], "$set") is not None,
    )
    status = _dict_entry(_dict_entry(call.args[1], "$set"), "status")
    if status is None:
        raise LookupError('the "status" the write sets')
    again = _stmt(
        "if STATUS == 'COMPLETED':\n"
        "    UPDATE({**FILTER, 'again': None}, {'$set': {'status': 'PENDING', 'again': True}})",
        STATUS=status,
        UPDATE=call.func,
        FILTER=call.args[0],
    )
    return [node, again]


def _without_status(node: ast.AST, _scope: Scope) -> ast.AST:
    kept = [(k, v) for k, v in zip(node.keys, node.values, strict=True) if not _constant("status")(k)]
    node.keys, node.values = [k for k, _ in kept], [v for _, v in kept]
    return node


def _january(node: ast.AST, _scope: Scope) -> ast.AST:
    node.func.value = _expr("INSTANT.replace(month=1, day=15)", INSTANT=node.func.value)
    return node


def _in_utc(node: ast.AST, _scope: Scope) -> ast.AST:
    node.args = [_expr("__import__('datetime').timezone.utc")]
    return node


def _same_share(node: ast.AST, scope: Scope) -> ast.AST:
    """``shares.append(remainder)`` -> ``shares.append(share)``: the share of ``[share] * (n - 1)``."""
    repeated = _only(
        scope,
        "the equal shares, [share] * n",
        lambda n: isinstance(n, ast.BinOp) and isinstance(n.left, ast.List) and len(n.left.elts) == 1,
    )
    node.args = [copy.deepcopy(repeated.left.elts[0])]
    return node


def _earlier_reading(node: ast.AST, _scope: Scope) -> list[ast.stmt]:
    """After ``if exists: return local.astimezone(UTC)``, every other wall time read with ``fold=1``
    (the offset after the gap): an hour early."""
    converted = node.body[0].value
    early = _stmt("return LOCAL.replace(fold=1).astimezone(ZONE)", LOCAL=converted.func.value, ZONE=converted.args[0])
    return [node, early]


def _one_step_wider(node: ast.AST, _scope: Scope) -> ast.AST:
    node.value = _expr("WINDOW + 1", WINDOW=node.value)
    return node


def _m(name: str, what: str, module: str, scope: str, edit: Edit, *cases: str) -> tuple[str, Mutant]:
    return name, Mutant(name, what, module, scope, edit, frozenset(cases))


MUTANTS = dict([
    _m("wrong-status", "the queue answers 200 instead of 201",
       "mock_server.handlers.declarations", "queue_today_distribution",
       Edit("return (body, 201)", _returns_status(201), _status_200), "TC15", "TC16", "TC17"),
    _m("missing-field", "SETTINGS lose timezoneOffset",
       "mock_server.views.schedule", "settings_view",
       Edit('the key "timezoneOffset"', _constant("timezoneOffset"), _set(value="timezoneOffse")), "TC03", "TC08"),
    _m("no-2fa", "2FA is not enforced",
       "mock_server.http.auth", "require_two_factor",
       Edit("the if that raises 2FA_CODE_REQUIRED", _raises("2FA_CODE_REQUIRED"), _set(test=ast.Constant(False))),
       "TC06"),
    _m("slot-runs-twice", "a finished slot goes back to PENDING once and runs again",
       "mock_server.state", "Days.finish_slot",
       Edit('the write that $sets "executionDetails"', _writes_field("executionDetails"), _runs_again), "TC21", "TC22"),
    _m("wrong-offset", "offsets ignore DST (always the January offset)",
       "mock_server.domain.schedule", "format_offset",
       Edit("the call .astimezone(zone)", _method_call("astimezone"), _january), "TC02"),
    _m("next-at-or-after-now", "a slot's next execution is 'at or after now' instead of strictly after",
       "mock_server.domain.schedule", "next_occurrence",
       Edit("the comparison instant > now",
            lambda n: isinstance(n, ast.Compare) and [type(op) for op in n.ops] == [ast.Gt],
            _set(ops=[ast.GtE()])), "TC03"),
    _m("half-even-cents", "money is rounded half-even instead of half-up",
       "mock_server.domain.distribution", "money",
       Edit("the keyword rounding=", _keyword("rounding"), _set(value=ast.Constant("ROUND_HALF_EVEN"))), "TC22"),
    _m("claim-ignores-status", "a slot is claimed without checking it is still PENDING",
       "mock_server.state", "Days.claim_slot",
       Edit('the filter {"_id": ..., "status": "PENDING"}', _pending_claim, _without_status), "TC22"),
    _m("today-in-utc", "'today' is the UTC date, not the date in the schedule's zone",
       "mock_server.domain.schedule", "today_in",
       Edit("the call .astimezone(zone)", _method_call("astimezone"), _in_utc), "TC27"),
    _m("split-remainder-dropped", "a pool split across slots drops the rounding remainder",
       "mock_server.domain.distribution", "split_evenly",
       Edit("the call .append(remainder)", _method_call("append"), _same_share), "TC18"),
    _m("dst-gap-early", "a wall time in a DST gap runs an hour early instead of at the end of the gap",
       "mock_server.domain.schedule", "local_to_utc",
       Edit("if ...: return local.astimezone(UTC)", _returns_converted, _earlier_reading), "TC26"),
    _m("totp-window-widened", "2FA codes three steps off are accepted",
       "mock_server.http.auth", "check_totp",
       Edit("the keyword valid_window=", _keyword("valid_window"), _one_step_wider), "TC07"),
])  # fmt: skip

# Not a fault: in every copy the mock stops checking its own answers, so that the suite must notice.
RESPONSES_UNCHECKED = Mutant(
    "responses-unchecked", "the in-process mock does not validate its responses",
    "mock_server.tools.contract_target", "pytest_contract_mock_app",
    Edit("the keyword validate_responses=True",
         lambda n: _keyword("validate_responses")(n) and _constant(True)(n.value),
         _set(value=ast.Constant(False))),
)  # fmt: skip


def write_copy(name: str, into: Path) -> Path:
    """A copy of the project's mock with the mutant written in; returns the folder for PYTHONPATH."""
    shutil.copytree(ROOT / "mock_server", into / "mock_server", ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("openapi", "fixtures"):  # the mock finds its documents beside its package
        (into / data).symlink_to(ROOT / data)
    for mutant in (MUTANTS[name], RESPONSES_UNCHECKED):
        path = mutant.path_in(into)
        path.write_text(mutant.apply(path.read_text(encoding="utf-8"), str(path.relative_to(into))), encoding="utf-8")
    return into
