"""Thin handlers, one module per tag of the documents; routing comes from the documents themselves.

An operation is handled by the function named after its ``operationId`` (in snake case) in the
module of its first tag: ``MODULES`` for the contract, ``CONTROL_MODULES`` for the control document
(``handlers.control``, split by what each part controls).
A document that names an operation with no handler fails at start-up, naming it.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable

from ..http.auth import spend_pending_code
from ..http.routes import operations
from ..http.services import request_scope
from . import admin_app, declarations, history, scenarios, schedule, session, status, two_factor
from .control import clock, faults, identities, journal, page, state

MODULES = {
    "session": session,
    "cron-settings": schedule,
    "status": status,
    "declarations": declarations,
    "admin-app": admin_app,
    "history": history,
    "two-factor": two_factor,
}
CONTROL_MODULES = {
    "page": page,
    "clock": clock,
    "state": state,
    "faults": faults,
    "identities": identities,
    "journal": journal,
    "scenarios": scenarios,
}


def snake(operation_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def handlers_of(contract: dict, control_document: dict) -> dict[str, Callable]:
    """operationId -> handler, for every operation of both documents."""
    table = {}
    documents = (
        (contract, lambda op: MODULES[op["tags"][0]]),
        (control_document, lambda op: CONTROL_MODULES[op["tags"][0]]),
    )
    for document, module_of in documents:
        for _template, _method, operation in operations(document):
            module = module_of(operation)
            name = snake(operation["operationId"])
            handler = getattr(module, name, None)
            if handler is None or handler.__module__ != module.__name__:  # not a name it merely imported
                raise LookupError(f"no handler for {operation['operationId']}: define {module.__name__}.{name}")
            table[operation["operationId"]] = spend_then(handler)
    return table


def spend_then(handler: Callable) -> Callable:
    """The handler, called once the request has passed validation: a strict-mode 2FA code is spent
    here, so a request refused earlier (400, 415) leaves the user's code good for the retry."""

    @functools.wraps(handler)
    async def handle(*args, **kwargs):
        spend_pending_code(request_scope())
        return await handler(*args, **kwargs)

    # Connexion inspects a handler's signature on every request; give it the answer once.
    handle.__signature__ = inspect.signature(handler)  # type: ignore[attr-defined]
    return handle
