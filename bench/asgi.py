"""One request straight into an app's ASGI interface, as uvicorn hands it over (scope, body, response
messages): no HTTP client library's own per-request work in what the bench measures or profiles. The
suite's own in-process call (``contract_tests.in_process.asgi_call``), with the bench's arguments."""

from __future__ import annotations

from contract_tests.in_process import HOST, asgi_call


async def call(
    app, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, bytes]:
    """``(status, response body)`` of one request to ``app`` at http://testserver."""
    sent = [(b"host", HOST.encode()), *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())]
    if body:
        sent.append((b"content-length", str(len(body)).encode()))
    status, _headers, answer = await asgi_call(app, method, path.encode(), sent, body)
    return status, answer
