"""The request body read once: the size limit (413), malformed JSON (400), the parsed body for the
2FA check, and the bytes replayed for Connexion."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import json_input
from ..errors import ApiError
from ..services import SCOPE_KEY
from .scope import content_type, header


def is_json(kind: str) -> bool:
    """Whether a body of this media type is read as JSON (no type at all is, as the deployed parser did)."""
    return kind == "" or kind == "application/json" or kind.endswith("+json")


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The request body is larger than {limit} bytes (the mock's --max-body)",
        headers={"Connection": "close"},
    )


class BodyMiddleware:
    """Reads the whole body once, up to ``max_body`` bytes (413 beyond: refused from its declared
    length, or as soon as the bytes read pass it, never buffering more), answers 400
    ``INVALID_JSON`` for JSON that does not parse (before routing, as the deployed body parser did),
    hands the parsed body to the 2FA check and replays the bytes for Connexion."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict = scope["extensions"][SCOPE_KEY]
        declared = header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body:
            raise too_large(self.max_body)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                raise too_large(self.max_body)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if raw.strip() and is_json(content_type(scope)):
            state["body_sent"] = True
            state["raw_body"] = raw
            try:
                state["body"] = json_input.load(raw)
            except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError and json_input's refusals
                message = f"The request body is not valid JSON: {exc}"
                raise ApiError(400, "INVALID_JSON", message, [message]) from None

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
