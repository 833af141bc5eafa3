"""Request-body validation that reports every problem, one line each, naming the field.

Connexion's own JSON validator stops at the first schema error; the brief wants one ``errors``
line per problem. This subclass keeps Connexion doing the validation against the document and only
changes how many problems it reports and how they read.
"""

from __future__ import annotations

from collections.abc import Iterable

from connexion.datastructures import MediaTypeDict
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator
from jsonschema.exceptions import ValidationError

from .errors import ApiError

TOP_LEVEL_BRANCH_SIGNALS = ("enum", "required")


def field_path(error: ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _branch_rank(errors: list[ValidationError]) -> tuple[int, int, int]:
    """How clearly a ``oneOf`` branch is the wrong one for the instance (lower = better fit)."""
    shallow = [e for e in errors if len(e.relative_path) <= 1]
    return (
        sum(1 for e in shallow if e.validator == "enum"),
        sum(1 for e in shallow if e.validator == "required"),
        len(errors),
    )


def explain(errors: Iterable[ValidationError]) -> list[str]:
    """Human lines for schema errors; a failed ``oneOf`` is explained by its best-fitting branch."""
    lines: list[str] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        if error.validator in ("oneOf", "anyOf") and error.context:
            branches: dict[int, list[ValidationError]] = {}
            for sub in error.context:
                branches.setdefault(sub.schema_path[0], []).append(sub)
            best = min(branches.values(), key=_branch_rank)
            lines.extend(explain(best))
            continue
        where = field_path(error)
        lines.append(f"{where}: {error.message}" if where else error.message)
    return list(dict.fromkeys(lines))


class CollectingJSONBodyValidator(JSONRequestBodyValidator):
    def _validate(self, body):
        if body is None:
            if self._nullable:
                return None
            raise ApiError.validation(["The request body must not be empty: send a JSON object"])
        problems = explain(self._validator.iter_errors(body))
        if problems:
            raise ApiError.validation(problems)
        return None


VALIDATORS = {
    "body": MediaTypeDict(
        {**dict(VALIDATOR_MAP["body"].items()), "*/*json": CollectingJSONBodyValidator}
    )
}
