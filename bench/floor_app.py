"""The framework's floor: a Connexion app built from the same document (openapi/contract.yaml), with
the same security scheme and request validation, whose handlers only return the bytes the mock gave
(recorded first). Whatever the mock spends above it is ours to cut; below it nothing can go without
leaving Connexion.

    python bench/floor_app.py RESPONSES.json PORT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn
from connexion import AsyncApp
from connexion.resolver import Resolver

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_server.http.routes import operations  # noqa: E402
from mock_server.state.fixtures import read_yaml  # noqa: E402


def token_info(token: str) -> dict:
    """The bearer scheme's function: Connexion's security layer runs; the token is taken as it is."""
    return {"sub": "floor", "scope": []}


def build(responses: dict[str, str]) -> AsyncApp:
    document = read_yaml(ROOT / "openapi" / "contract.yaml")
    document["components"]["securitySchemes"]["bearerAuth"]["x-bearerInfoFunc"] = "bench.floor_app.token_info"
    handlers = {}
    for template, _method, operation in operations(document):
        body = json.loads(responses[template]) if template in responses else {}

        async def answer(*_args, _body=body, **_kwargs):
            return _body, 200

        handlers[operation["operationId"]] = answer
    app = AsyncApp(__name__)
    app.add_api(document, resolver=Resolver(function_resolver=handlers.__getitem__), name="floor")
    return app


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        recorded = json.load(handle)
    uvicorn.run(build(recorded), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
