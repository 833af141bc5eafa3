"""Where the time of one route goes: cProfile over many in-process requests to the mock (its ASGI
interface, as uvicorn calls it), each function's own time counted as ours (``mock_server``) or the
framework's (Connexion, Starlette, jsonschema, the standard library...)."""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats

from bench.asgi import call
from mock_server.app import create_app
from mock_server.settings import Settings

OURS = "/mock_server/"


async def _requests(app, path: str, headers: dict, count: int, profiler: cProfile.Profile) -> None:
    for _ in range(50):  # warm-up, outside the profile
        assert (await call(app, "GET", path, headers))[0] == 200
    profiler.enable()
    for _ in range(count):
        await call(app, "GET", path, headers)
    profiler.disable()


def profile_route(path: str, *, count: int = 2000, top: int = 10) -> dict:
    settings = Settings(frozen=True, log_requests=False, allowed_hosts=("testserver",))
    app = create_app(settings)

    async def main() -> dict:
        minted = await call(
            app, "POST", "/__mock/tokens", {"Content-Type": "application/json"}, b'{"identifier": "ops"}'
        )
        headers = {"Authorization": f"Bearer {json.loads(minted[1])['token']}"}  # as a developer would
        profiler = cProfile.Profile()
        await _requests(app, path, headers, count, profiler)
        return _summary(pstats.Stats(profiler), top)

    return asyncio.run(main())


def _summary(stats: pstats.Stats, top: int) -> dict:
    rows = []
    ours = framework = 0.0
    for (filename, line, name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        mine = OURS in filename
        if mine:
            ours += own
        else:
            framework += own
        rows.append((own, mine, f"{_short(filename)}:{line}({name})"))
    rows.sort(reverse=True)
    total = ours + framework
    return {
        "ours_share": round(ours / total, 3) if total else 0.0,
        "framework_share": round(framework / total, 3) if total else 0.0,
        "top": [{"own_s": round(own, 3), "ours": mine, "frame": frame} for own, mine, frame in rows[:top]],
    }


def _short(filename: str) -> str:
    """``connexion/...``, ``mock_server/...``, ``asyncio/...``: the path from its package."""
    if OURS in filename:
        return "mock_server/" + filename.split(OURS, 1)[1]
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    parts = filename.split("/")
    return "/".join(parts[-2:]) if len(parts) > 1 else filename
