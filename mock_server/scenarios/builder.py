"""Builds a scenario: a reset to its start, then its steps, each through the mock's own operation.

The build runs on a snapshot of the store and the clock: a step the mock refuses (an ``ApiError``,
as its request would get) puts both back as they were, and the refusal names the step and field.
A built state is the same every time from the same start: the clock is frozen through the build,
ids are the natural ones, and a slot's ``executionTimeMs`` is a fixed figure while it is built.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import datetime

from connexion.context import _scope

from ..domain.schedule import parse_iso, to_iso
from ..engine.clock import wall_now
from ..handlers.control.state import reset_to_fixtures
from ..http.errors import ApiError
from ..http.services import SCOPE_KEY, Services
from ..state.fixtures import Fixtures
from .steps import STEPS, body_problems

BUILT_EXECUTION_MS = 1  # a built slot's executionTimeMs: the same on every build and machine


@contextlib.contextmanager
def _handler_scope(services: Services) -> Iterator[None]:
    """The handlers find their services in the request's scope: outside a request (``serve
    --scenario``), one that holds only the services."""
    try:
        _scope.get()
        yield
        return
    except LookupError:
        pass
    token = _scope.set({"type": "http", "extensions": {SCOPE_KEY: {"services": services}}})
    try:
        yield
    finally:
        _scope.reset(token)


_SCHEDULELESS: dict[int, tuple[Fixtures, Fixtures]] = {}  # id(fixtures) -> (them, them without a schedule)


def _without_schedule(fixtures: Fixtures) -> Fixtures:
    """The fixtures without their saved schedule: one object per fixtures, so that a reset from it
    again keeps what it may (``Store.reset``)."""
    kept = _SCHEDULELESS.get(id(fixtures))
    if kept is None or kept[0] is not fixtures:
        kept = _SCHEDULELESS[id(fixtures)] = (fixtures, dataclasses.replace(fixtures, schedule=None))
    return kept[1]


def start_instant(start: str) -> datetime:
    """A scenario's start: an ISO instant, or ``now`` (the wall clock)."""
    return wall_now() if start == "now" else parse_iso(start)


def _reset(services: Services, scenario: dict, start: str | None) -> None:
    """The fixtures (without the saved schedule when the scenario says so), the clock frozen at the start."""
    instant = start_instant(start or scenario.get("start", "now"))
    if scenario.get("fixtureSchedule", True):
        reset_to_fixtures(services, instant, frozen=True)
    else:
        services.store.reset(_without_schedule(services.fixtures))
        services.clock.set(instant, frozen=True)


async def _run_steps(services: Services, steps: list[dict]) -> None:
    for index, entry in enumerate(steps):
        ((name, body),) = entry.items()
        step = STEPS[name]
        where = f"steps[{index}].{name}"
        problems = body_problems(step, body, services)
        if problems:
            raise refusal(where, problems[0], len(problems))
        try:
            await step.run(body, services)
        except ApiError as refused:
            raise refusal(where, refused.message, 1) from None


def refusal(where: str, problem: str, count: int) -> ApiError:
    """A step the mock refused: 409 (the file passed the schema; this state refuses the step)."""
    problem = problem.removeprefix("Validation failed: ")
    more = f" (and {count - 1} more)" if count > 1 else ""
    message = f"{where}: {problem}{more}; nothing was built, the state is as before"
    return ApiError(409, "CONFLICT", message)


async def build(
    services: Services, scenario: dict, *, start: str | None = None, frozen: bool | None = None, builtin_name=False
) -> dict:
    """Reset to the scenario's start (or ``start``), run its steps; the built summary (naming it when
    it is a built-in one). A refused step raises ``ApiError`` (409) with the store and the clock as
    they were before."""
    saved, clock = services.store.snapshot(), services.clock.snapshot()
    runner, stopwatch = services.runner, services.runner.stopwatch
    with _handler_scope(services):
        try:
            runner.stopwatch = lambda _started: BUILT_EXECUTION_MS
            _reset(services, scenario, start)
            await _run_steps(services, scenario.get("steps", []))
        except BaseException:
            services.store.restore(saved)
            services.clock.restore(clock)
            raise
        finally:
            runner.stopwatch = stopwatch
    stays_frozen = scenario.get("frozen", True) if frozen is None else frozen
    services.clock.set(services.clock.now(), frozen=stays_frozen)
    services.persist()
    named = {"name": scenario["name"]} if builtin_name else {}
    return {
        **named,
        "title": scenario.get("title", ""),
        "now": to_iso(services.clock.now()),
        "frozen": services.clock.frozen,
        "steps": len(scenario.get("steps", [])),
    }
