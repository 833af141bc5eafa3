"""Where the time of one route goes: cProfile over many in-process requests to the mock (its ASGI
interface, as uvicorn calls it), each function's own time counted as ours (``mock_server``) or the
framework's (Connexion, Starlette, jsonschema, the standard library...)."""

from __future__ import annotations

import asyncio
import cProfile
import pstats

import httpx

from mock_server.app import create_app
from mock_server.settings import Settings

OURS = "/mock_server/"


async def _get(app, path: str, headers: dict) -> int:
    """One GET straight into the app's ASGI interface (no HTTP client to profile)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    status = 0

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _requests(app, path: str, headers: dict, count: int, profiler: cProfile.Profile) -> None:
    for _ in range(50):  # warm-up, outside the profile
        assert await _get(app, path, headers) == 200
    profiler.enable()
    for _ in range(count):
        await _get(app, path, headers)
    profiler.disable()


def profile_route(path: str, *, count: int = 2000, top: int = 10) -> dict:
    settings = Settings(frozen=True, log_requests=False, allowed_hosts=("testserver",))
    app = create_app(settings)

    async def main() -> dict:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            minted = await client.post("/__mock/tokens", json={"identifier": "ops"})  # as a developer would
            headers = {"Authorization": f"Bearer {minted.json()['token']}"}
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
