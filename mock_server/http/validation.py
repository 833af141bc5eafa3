"""Request-body validation that reports every problem, one line each, naming the field.

Connexion's own JSON validator stops at the first schema error; the brief wants one ``errors``
line per problem. This validator judges the body against the document's schema with Connexion's own Draft 4 request
validator and only changes how many problems it reports and how they read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from starlette.datastructures import Headers, QueryParams
from starlette.types import Receive, Scope

from ..domain.distribution import validate_queue
from ..domain.modification import validate_modification
from ..domain.schedule import validate_slots
from .errors import ApiError
from .journal import carries_secret
from .services import Services, body_sent, parsed_body, raw_body, services_of


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


def _one_of_required(error: ValidationError) -> str:
    """``a, b or c`` when ``error`` is an ``anyOf`` whose every branch only asks for a property that is
    missing (a schema's "at least one of these"), else ''."""
    if error.validator != "anyOf" or not error.context:
        return ""
    names: list[str] = []
    for sub in error.context:
        if sub.validator != "required" or not isinstance(sub.instance, dict):
            return ""
        names += [name for name in sub.validator_value if name not in sub.instance and name not in names]
    if len(names) < 2:
        return ""
    return f"{', '.join(names[:-1])} or {names[-1]}"


def explain(errors: Iterable[ValidationError]) -> list[str]:
    """Human lines for schema errors; a failed ``oneOf`` is explained by its best-fitting branch."""
    lines: list[str] = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        missing = _one_of_required(error)
        if missing:
            where = field_path(error)
            lines.append(f"{where + ': ' if where else ''}one of {missing} is required; none was sent")
            continue
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


def schedule_update_rules(body: dict, services: Services) -> list[str]:
    """``x-rules: schedule-update``: the timezone is a listed zone; the slots' own rules."""
    problems = []
    timezone = body.get("timezone")
    if isinstance(timezone, str) and services.catalogue.resolve(timezone) is None:
        problems.append(
            f"timezone: {timezone!r} is not a supported timezone; send an IANA name from "
            "GET /api/v1/admin/cron-settings/timezones (e.g. Africa/Lagos) or its label"
        )
    return problems + validate_slots(body.get("numberOfSlots"), body.get("schedules"))


def queue_rules(body: dict, services: Services) -> list[str]:
    """``x-rules: queue``: decimals, and a multi-slot body names exactly the configured slots."""
    return validate_queue(body, services.store.schedule.slot_numbers())


RULES = {
    "schedule-update": schedule_update_rules,
    "queue": queue_rules,
    "modify": lambda body, _services: validate_modification(body),
}
EMPTY_BODY = "The request body must not be empty: send a JSON object"
NULL_BODY = "The request body is JSON null: send a JSON object, or no body at all"


class CollectingJSONBodyValidator(JSONRequestBodyValidator):
    """Every schema problem, then the operation's business rules (named by the schema's
    ``x-rules``), in one 400 listing them all.

    Built on Connexion's public validator interface only: the constructor's arguments and
    ``wrap_receive``. The body was read and parsed once by ``middleware.body.BodyMiddleware``; this
    judges that parsed body and hands the untouched stream on.
    """

    def __init__(self, *, schema: dict, required: bool = False, nullable: bool = False, **kwargs) -> None:
        super().__init__(schema=schema, required=required, nullable=nullable, **kwargs)
        self.body_schema = schema
        self.body_required = required
        self.body_nullable = nullable

    @functools.cached_property
    def schema_validator(self) -> Draft4RequestValidator:
        """Made when first needed (Connexion makes this validator anew for every request)."""
        return Draft4RequestValidator(self.body_schema, format_checker=Draft4Validator.FORMAT_CHECKER)

    async def wrap_receive(self, receive: Receive, *, scope: Scope):
        if not int(Headers(scope=scope).get("content-length", 0)):
            if self.body_required and not self.body_nullable:
                raise ApiError.validation([EMPTY_BODY])
            return receive, scope
        body = parsed_body(scope)
        if body is None:
            if self.body_nullable or (not self.body_required and not body_sent(scope)):  # optional: absent
                return receive, scope
            raise ApiError.validation([NULL_BODY if body_sent(scope) else EMPTY_BODY])
        problems = self.schema_problems(body, raw_body(scope), services_of(scope).judged_bodies)
        rules = RULES.get(self.body_schema.get("x-rules", ""))
        if rules is not None and isinstance(body, dict):
            problems += rules(body, services_of(scope))
        if problems:
            raise ApiError.validation(problems)
        return receive, scope

    def schema_problems(self, body, raw: bytes | None, judged: dict[tuple[int, bytes], list[str]]) -> list[str]:
        """What the schema says of ``body``: a pure function of its bytes, so ``judged`` (the app's own)
        remembers it for the last ``JUDGED_KEPT`` small bodies: clients send the same body again and
        again (the admin app's saves, a script's daily queue), and a ``oneOf`` schema costs about a
        millisecond to judge. Connexion makes a validator per request; the schema object is the
        operation's own, alive as long as the app, so its ``id`` names it."""
        if raw is None or len(raw) > JUDGED_MAX_BYTES or carries_secret(body):
            return explain(self.schema_validator.iter_errors(body))  # a password or code is not kept
        key = (id(self.body_schema), raw)
        problems = judged.pop(key, None)
        if problems is None:
            problems = explain(self.schema_validator.iter_errors(body))
            if len(judged) >= JUDGED_KEPT:
                # the least recently judged (pop: another thread's request may have dropped it already)
                judged.pop(next(iter(judged), None), None)
        judged[key] = problems
        return list(problems)


JUDGED_KEPT = 128
JUDGED_MAX_BYTES = 4096


class AsciiNumberParameterValidator(ParameterValidator):
    """Connexion's query-parameter validation, except that a number must be written in ASCII: Python's
    ``int()`` reads the digits of any script (``limit=𑜱`` would be 1), which no client sends as a number
    and which a real backend refuses."""

    def validate_query_parameter(self, param, request):
        schema = param.get("schema", param)
        if schema.get("type") in ("integer", "number"):
            # every value the name was sent with: Connexion's request.query_params is a plain dict here
            for raw in QueryParams(request.scope.get("query_string", b"")).getlist(param["name"]):
                if not raw.isascii():
                    return f"'{raw}' is not of type '{schema['type']}' (ASCII digits only) - '{param['name']}'"
        return super().validate_query_parameter(param, request)


VALIDATORS = {
    "body": MediaTypeDict({**dict(VALIDATOR_MAP["body"].items()), "*/*json": CollectingJSONBodyValidator}),
    "parameter": AsciiNumberParameterValidator,
}
