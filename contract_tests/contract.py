"""The contract document as the suite uses it: find the operation of a request, check a response
against it, and say what broke in words a backend developer can act on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft4Validator
from jsonschema.validators import extend

from .redaction import MASK

# The credentials a request body may carry (a 2FA check sends its code as `code`).
SECRET_KEYS = {"twoFACode", "password", "token", "refreshToken", "code", "verificationCode", "verificationToken"}
_PACKAGE = Path(__file__).resolve().parent


def contract_path() -> Path:
    """openapi/contract.yaml: bundled inside the installed package, or beside it in a checkout."""
    for candidate in (_PACKAGE / "_data" / "openapi" / "contract.yaml", _PACKAGE.parent / "openapi" / "contract.yaml"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"cannot find openapi/contract.yaml next to {_PACKAGE}")


@cache
def document() -> dict:
    with contract_path().open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def resolved() -> dict:
    """The document with every ``$ref`` (all local: ``#/components/...``) replaced by what it names
    (a new structure: the document itself is left as it is)."""
    return _inlined(document(), document(), ())


def _inlined(node, root: dict, refs: tuple[str, ...]):
    if isinstance(node, list):
        return [_inlined(item, root, refs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" not in node:
        return {key: _inlined(value, root, refs) for key, value in node.items()}
    ref = node["$ref"]
    if ref in refs:
        raise ValueError(f"the document's {ref} refers to itself")
    named = root
    for part in ref.removeprefix("#/").split("/"):
        named = named[part.replace("~1", "/").replace("~0", "~")]
    siblings = {key: value for key, value in node.items() if key != "$ref"}
    return _inlined({**siblings, **named}, root, (*refs, ref))


def _nullable(check):
    """OpenAPI 3.0's ``nullable: true``: a null passes the schema's ``type`` and ``enum``."""

    def checking(validator, value, instance, schema):
        if instance is None and schema.get("nullable") is True:
            return
        yield from check(validator, value, instance, schema)

    return checking


# JSON Schema draft 4 as OpenAPI 3.0 uses it for a response body
ResponseValidator = extend(
    Draft4Validator,
    {"type": _nullable(Draft4Validator.VALIDATORS["type"]), "enum": _nullable(Draft4Validator.VALIDATORS["enum"])},
)


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    found = []
    for template in document()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        found.append((re.compile(f"^{pattern}$"), template))
    return found


def operation(method: str, path: str) -> dict | None:
    """The resolved operation object for a concrete request, or None if the document has none."""
    bare = path.split("?")[0]
    for pattern, template in _templates():
        if pattern.match(bare):
            return resolved()["paths"][template].get(method.lower())
    return None


def redact(value):
    """A copy of a request body with secrets masked (they never reach output or reports)."""
    if isinstance(value, dict):
        return {k: (MASK if k in SECRET_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _short(text: str, limit: int = 700) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


@dataclass
class Exchange:
    """One request and its response, as the failure message tells them."""

    method: str
    path: str
    sent: object
    status: int
    headers: dict
    text: str

    def json(self):
        return json.loads(self.text)

    @property
    def body(self):
        try:
            return self.json()
        except ValueError:
            return None

    def brief(self, limit: int = 64) -> str:
        """What came back, in a few words for a summary line: the status, the envelope's error code
        and message (or the start of the body)."""
        body = self.body
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and (error.get("code") or error.get("message")):
            said = " ".join(str(part) for part in (error.get("code"), error.get("message")) if part)
        elif isinstance(body, dict) and body.get("message"):
            said = str(body["message"])
        else:
            said = " ".join(self.text.split())
        if len(said) > limit:  # cut between words: never a piece of a credential that redaction would not know
            cut = said[:limit]
            said = (cut.rsplit(" ", 1)[0] if " " in cut else "") + "…"
        return f"{self.status} {said}".strip()

    def describe(self) -> str:
        sent = (
            "no body"
            if self.sent is None
            else _short(json.dumps(redact(self.sent)) if not isinstance(self.sent, str | bytes) else repr(self.sent))
        )
        return f"  sent:     {self.method} {self.path}  {sent}\n  got:      {self.status} {_short(self.text)}"


class ContractViolation(AssertionError):
    """A case's failure, as a bug report: what was sent, what came back, what was expected, which rule."""

    def __init__(self, exchange: Exchange | None, expected: str, rule: str) -> None:
        self.exchange = exchange
        self.expected = expected
        self.rule = rule
        told = f"\n{exchange.describe()}" if exchange is not None else ""
        super().__init__(f"{told}\n  expected: {expected}\n  rule:     {rule}")

    @property
    def reason(self) -> str:
        """One line for the summary: the expectation, what came back, and the rule."""
        first = self.expected.splitlines()[0] if self.expected else ""
        got = f", got: {self.exchange.brief()}" if self.exchange is not None else ""
        return f"expected {first}{got} ({self.rule})"


def fail(exchange, expected: str, rule: str) -> None:
    """Raise the bug report. ``exchange`` is an Exchange, None, or a target: then its latest exchange
    at the moment of failing (after the condition's own requests), not when the call was written."""
    if exchange is not None and not isinstance(exchange, Exchange):
        exchange = exchange.last
    raise ContractViolation(exchange, expected, rule)


def check(exchange, condition: object, expected: str, rule: str) -> None:
    """Fail with a bug report unless ``condition`` holds (``exchange`` as for ``fail``)."""
    if not condition:
        fail(exchange, expected, rule)


def schema_problems(exchange: Exchange) -> list[str]:
    """Where the response body departs from the document's schema for its status (empty = conforms)."""
    op = operation(exchange.method, exchange.path)
    if op is None:
        return []
    response = op["responses"].get(str(exchange.status)) or op["responses"].get("default")
    if response is None:
        documented = ", ".join(sorted(op["responses"]))
        return [f"status {exchange.status} is not documented for this operation (documented: {documented})"]
    schema = (response.get("content") or {}).get("application/json", {}).get("schema")
    if schema is None:
        return []
    body = exchange.body
    if body is None:
        return [f"the body is not JSON: {_short(exchange.text, 200)!r}"]
    validator = ResponseValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    problems = []
    for error in validator.iter_errors(body):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}")
    return problems[:10]


def expect(exchange: Exchange, status: int | tuple[int, ...], rule: str, *, code: str | None = None) -> dict | None:
    """Assert the status (and error code), and the body against the document; return the body."""
    allowed = (status,) if isinstance(status, int) else status
    wanted = " or ".join(str(s) for s in allowed) + (f" with error.code {code}" if code else "")
    if exchange.status not in allowed:
        fail(exchange, wanted, rule)
    body = exchange.body
    if code is not None:
        got = (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None
        if got != code:
            fail(exchange, wanted + f" (error.code was {got!r})", rule)
    problems = schema_problems(exchange)
    if problems:
        fail(
            exchange,
            "a body that conforms to openapi/contract.yaml; it does not:\n    - " + "\n    - ".join(problems),
            rule,
        )
    return body
