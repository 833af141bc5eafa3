"""Scenario files: read (YAML), checked against the control document's ``ScenarioFile`` schema,
and the built-in ones shipped in ``builtin/``.

A mistake is one line naming the step and the field (``steps[2].fault.slotNumber: 11 is greater
than the maximum of 10``), the same line the control API's 400 gives for the same content.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from jsonschema import Draft4Validator

from ..http.validation import explain
from ..resources import CONTROL
from ..state.fixtures import read_yaml

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"


class ScenarioError(ValueError):
    """Why a scenario file cannot be built, in one line."""


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with instants kept as the strings they are written as (the schema and
    the operations read ISO text, not ``datetime`` objects)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, source: str) -> dict:
    """A scenario file's content; ``ScenarioError`` (one line, with where) when it is not YAML or
    not a mapping."""
    try:
        document = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as broken:
        mark = getattr(broken, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(broken, "problem", None) or str(broken).splitlines()[0]
        raise ScenarioError(f"{source}: not YAML{where}: {reason}") from None
    if not isinstance(document, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping with steps: (see the README's Scenarios)")
    return document


@functools.cache
def _validator() -> Draft4RequestValidator:
    schema = resolve_refs(read_yaml(CONTROL))["components"]["schemas"]["ScenarioFile"]
    return Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def problems(document: dict) -> list[str]:
    """What the ``ScenarioFile`` schema says of ``document``, one line per problem (none: valid)."""
    return explain(_validator().iter_errors(document))


def checked(document: dict, source: str) -> dict:
    """``document`` when the schema accepts it; else ``ScenarioError``: the first problem, and how
    many more."""
    found = problems(document)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ScenarioError(f"{source}: {found[0]}{more}")
    return document


ORDER = {name: rank for rank, name in enumerate((
    "fresh", "mid-day", "all-done", "slot-failed", "slot-stuck", "disabled-overdue", "week-of-history",
    "dst-spring-forward", "no-schedule", "large-amounts", "login-2fa",
))}  # fmt: skip


@functools.cache
def _builtin() -> dict[str, dict]:
    found = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        document = checked(parse(path.read_text(encoding="utf-8"), path.name), path.name)
        found[document["name"]] = document
    return found


def builtin() -> dict[str, dict]:
    """The built-in scenarios by name, in the order the README lists them."""
    scenarios = _builtin()
    return {name: scenarios[name] for name in sorted(scenarios, key=lambda n: (ORDER.get(n, 99), n))}


def summary(document: dict) -> dict:
    """A scenario as ``GET /__mock/scenarios`` lists it."""
    return {
        "name": document.get("name", "file"),
        "title": document.get("title", ""),
        "page": document.get("page", ""),
        "state": document.get("state", ""),
        "profile": document.get("profile", "any"),
        "start": document.get("start", "now"),
    }


def resolve(name_or_path: str) -> dict:
    """A built-in scenario by name, else a scenario file by path (checked); ``ScenarioError`` else."""
    known = builtin()
    if name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if not path.suffix and not path.exists():
        raise ScenarioError(f"no scenario {name_or_path!r}: the built-in ones are {', '.join(known)}; or give a file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as unreadable:
        reason = getattr(unreadable, "strerror", None) or unreadable
        raise ScenarioError(f"{name_or_path}: cannot read it ({reason})") from None
    return checked(parse(text, path.name), path.name)
