"""Handlers of ``/__mock/scenarios``: list the built-in scenarios, build one, build a file's content."""

from __future__ import annotations

from ..http.errors import ApiError
from ..http.services import current
from ..scenarios.files import builtin, summary


async def build(*args, **kwargs) -> dict:
    """``scenarios.builder.build``, imported when first used: the builder calls the other handlers,
    so it is imported after this package."""
    from ..scenarios.builder import build as build_it

    return await build_it(*args, **kwargs)


async def list_scenarios(**_) -> tuple[dict, int]:
    return {"scenarios": [summary(scenario) for scenario in builtin().values()]}, 200


async def build_scenario(name: str, body: dict | None = None, **_) -> tuple[dict, int]:
    known = builtin()
    if name not in known:
        raise ApiError(404, "NOT_FOUND", f"No scenario {name!r}; the built-in ones are: {', '.join(known)}")
    body = body or {}
    scenario = known[name]
    return await build(current(), scenario, start=body.get("start"), frozen=body.get("frozen"), builtin_name=True), 200


async def build_scenario_file(body: dict, **_) -> tuple[dict, int]:
    """The content passed the ``ScenarioFile`` schema on the way in (a mistake there: 400)."""
    return await build(current(), body), 200
