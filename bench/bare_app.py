"""The ceiling: a bare Starlette app answering each benchmarked path with the same bytes the mock
gave (recorded first), with no validation, no auth and no storage.

    python bench/bare_app.py RESPONSES.json PORT
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def build(responses: dict[str, str]) -> Starlette:
    bodies = {path: body.encode() for path, body in responses.items()}

    async def answer(request: Request) -> Response:
        return Response(bodies[request.url.path], media_type="application/json")

    return Starlette(routes=[Route(path, answer) for path in bodies])


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        recorded = json.load(handle)
    uvicorn.run(build(recorded), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
