"""The objects a request needs (settings, clock, store, catalogue, runner, operation rules).

One ``Services`` per app; the body middleware puts it in the ASGI scope, so Connexion's security
function and the handlers reach it without globals (tests build many apps in one process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from connexion.context import scope as current_scope
from connexion.jsonifier import Jsonifier
from starlette.responses import Response

from ..domain.timezones import Catalogue
from ..engine.clock import Clock
from ..settings import Settings
from ..state.changes import Key
from ..state.fixtures import Fixtures
from ..state.store import Store
from .journal import Journal
from .routes import Routes, operations
from .storm import StormWatch

if TYPE_CHECKING:
    from ..engine.runner import Runner
    from ..state.state_file import StateFile

SCOPE_KEY = "mock_server"
JSON = Jsonifier()  # Connexion's own serializer: the same bytes as a handler's returned value


@dataclass(frozen=True)
class OperationRules:
    """What an operation of the contract demands of its caller (``x-roles``, ``x-2fa``)."""

    roles: frozenset[str]
    two_factor: bool


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    fixtures: Fixtures
    catalogue: Catalogue
    runner: Runner
    operations: dict[str, OperationRules]
    routes: Routes
    journal: Journal
    state_file: StateFile | None = None
    storms: StormWatch = field(default_factory=StormWatch)  # GETs asked in a loop (``storm``)
    # request bodies' schema problems, by (schema, bytes): a pure memo, not of the state (see
    # ``validation.CollectingJSONBodyValidator`` and ``state.changes``)
    judged_bodies: dict[tuple[int, bytes], list[str]] = field(default_factory=dict, repr=False)

    def answer(self, name: str, build: Callable[[datetime], object]) -> Response:
        """``build(now)`` as a 200 JSON answer, its bytes encoded once per state version and clock
        second and shared by the requests of that second (the admin app polls its reads; the state
        only changes on writes and clock moves): ``Key.ANSWER``."""
        now = self.clock.now()
        body = self.store.changes.cached(
            Key.ANSWER, lambda: JSON.dumps(build(now)).encode(), name, stamp=now.replace(microsecond=0), shared=True
        )
        return Response(body, status_code=200, media_type="application/json")

    def persist(self) -> None:
        """Write the state file when there is one and something changed."""
        if self.state_file is not None:
            self.state_file.save_if_changed()


def services_of(scope: dict) -> Services:
    return scope["extensions"][SCOPE_KEY]["services"]


def request_scope() -> dict:
    """The ASGI scope of the request being handled (Connexion's context proxy to it; each item read
    goes to the request's scope). Not ``connexion.request``: that builds a new request object on
    every attribute read."""
    return current_scope  # type: ignore[return-value]


def current() -> Services:
    """The services of the request being handled (for handlers)."""
    return services_of(request_scope())


def parsed_body(scope: dict):
    """The JSON body the body middleware parsed (None when there was none or it was not JSON)."""
    return scope["extensions"][SCOPE_KEY].get("body")


def raw_body(scope: dict) -> bytes | None:
    """The bytes of the JSON body the body middleware parsed (None when there was none)."""
    return scope["extensions"][SCOPE_KEY].get("raw_body")


def body_sent(scope: dict) -> bool:
    """Whether the request carried a JSON body at all (``null`` included)."""
    return scope["extensions"][SCOPE_KEY].get("body_sent", False)


def operation_rules(document: dict) -> dict[str, OperationRules]:
    return {
        operation["operationId"]: OperationRules(
            roles=frozenset(operation.get("x-roles", [])), two_factor=bool(operation.get("x-2fa", False))
        )
        for _template, _method, operation in operations(document)
    }
