"""A scenario's steps, each one of the mock's own operations: the handler its route calls, and
for the contract's operations the checks its request body meets on the way in (the contract's
schema and its ``x-rules``), so a step is judged as the request it stands for would be.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from connexion.json_schema import Draft4RequestValidator, resolve_refs
from jsonschema import Draft4Validator

from ..handlers import declarations, schedule
from ..handlers.control.clock import advance_clock
from ..handlers.control.faults import inject_fault
from ..http.routes import operations
from ..http.services import Services
from ..http.validation import RULES, explain
from ..resources import CONTRACT
from ..state.fixtures import read_yaml

ADMIN = "admin@novunt.test"  # who queues a scenario's days (the fixture admin, as the admin app would)


@dataclass(frozen=True)
class Step:
    operation_id: str | None  # a contract operation whose body rules apply, or None (a control route)
    run: Callable[[dict, Services], Awaitable[object]]


def _admin(services: Services) -> dict:
    user = services.store.users.by_identifier(ADMIN)
    return {"user": user}


STEPS: dict[str, Step] = {
    "schedule": Step("updateDistributionSchedule", lambda body, _s: schedule.update_distribution_schedule(body=body)),
    "queue": Step(
        "queueTodayDistribution",
        lambda body, s: declarations.queue_today_distribution(body=body, token_info=_admin(s)),
    ),
    "toggle": Step("toggleDistributionSchedule", lambda body, _s: schedule.toggle_distribution_schedule(body=body)),
    "force_reset": Step(
        "forceResetTodayDistribution", lambda body, _s: declarations.force_reset_today_distribution(body=body)
    ),
    "advance": Step(None, lambda body, _s: advance_clock(body=body)),
    "fault": Step(None, lambda body, _s: inject_fault(body=body)),
}


@functools.cache
def _body_checks(operation_id: str) -> tuple[Draft4RequestValidator, str] | None:
    """The contract's request-body validator of an operation, and its ``x-rules`` name."""
    contract = resolve_refs(read_yaml(CONTRACT))
    for _template, _method, operation in operations(contract):
        if operation["operationId"] != operation_id:
            continue
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            return None
        schema = content["schema"]
        return Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER), schema.get("x-rules", "")
    raise LookupError(f"the contract has no operation {operation_id}")


def body_problems(step: Step, body: dict, services: Services) -> list[str]:
    """What the contract says of a step's body, as its request would hear it (none: it may run)."""
    if step.operation_id is None:
        return []
    checks = _body_checks(step.operation_id)
    if checks is None:
        return []
    validator, rules = checks
    found = explain(validator.iter_errors(body))
    rule = RULES.get(rules)
    return found + (rule(body, services) if rule is not None else [])
