"""The objects a request needs (settings, clock, store, catalogue, runner, operation rules).

One ``Services`` per app; the body middleware puts it in the ASGI scope, so Connexion's security
function and the handlers reach it without globals (tests build many apps in one process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from connexion import request as current_request

from .clock import Clock
from .domain.timezones import Catalogue
from .fixtures import Fixtures
from .journal import Journal
from .routes import Routes, operations
from .settings import Settings
from .store import Store

if TYPE_CHECKING:
    from .runner import Runner
    from .state_file import StateFile

SCOPE_KEY = "mock_server"
T = TypeVar("T")


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
    _rendered: dict[str, tuple[tuple[int, datetime], object]] = field(default_factory=dict, repr=False)

    def rendered(self, name: str, build: Callable[[datetime], T]) -> T:
        """``build(now)``, made once per state version and clock second and shared read-only by the
        requests of that second (the admin app polls its reads; the state only changes on writes
        and clock moves). Not kept when other processes may write (a shared MongoDB)."""
        now = self.clock.now()
        if not self.store.embedded:
            return build(now)
        key = (self.store.changes.mark(), now.replace(microsecond=0))
        found = self._rendered.get(name)
        if found is not None and found[0] == key:
            return found[1]  # type: ignore[return-value]
        value = build(now)
        self._rendered[name] = (key, value)
        return value

    def persist(self) -> None:
        """Write the state file when there is one and something changed."""
        if self.state_file is not None:
            self.state_file.save_if_changed()


def services_of(scope: dict) -> Services:
    return scope["extensions"][SCOPE_KEY]["services"]


def current() -> Services:
    """The services of the request being handled (for handlers)."""
    return services_of(current_request.scope)


def parsed_body(scope: dict):
    """The JSON body the body middleware parsed (None when there was none or it was not JSON)."""
    return scope["extensions"][SCOPE_KEY].get("body")


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
