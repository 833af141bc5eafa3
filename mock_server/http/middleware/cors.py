"""Starlette's CORS, without its header parsing on the requests that carry no ``Origin``."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send


class CORS(CORSMiddleware):
    """Starlette's CORS, with a shortcut for a request without ``Origin`` (curl, the suite, a
    same-origin page): it only gains ``Vary: Origin``, as Starlette would add, without the headers
    being parsed for it on every request."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or any(name == b"origin" for name, _ in scope["headers"]):
            await super().__call__(scope, receive, send)
            return

        async def varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message["headers"] = list(message.get("headers", []))
                if any(name.lower() == b"vary" for name, _ in headers):
                    MutableHeaders(scope=message).add_vary_header("Origin")
                else:
                    headers.append((b"vary", b"Origin"))
            await send(message)

        await self.app(scope, receive, varying)
