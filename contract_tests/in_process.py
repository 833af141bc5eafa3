"""The suite's way into an app in the same process: one request handed straight to its ASGI interface,
as a server hands it over (scope, body, response messages), on an event loop of the calling thread.

No server, no socket, no thread per request (Starlette's TestClient starts a thread and an event loop
for each request, five times the cost of the request), and no HTTP client library's transport in
between: the cases' ``httpx`` client and the fuzz's ``requests`` session each hand their request over
here as it is, and an app error answers 500, as a server would (the suite reports it as the backend's
failure)."""

from __future__ import annotations

import asyncio
import io
import threading
from urllib.parse import unquote

import httpx
import requests
import requests.adapters
import urllib3

HOST = "testserver"
CLIENT = ("127.0.0.1", 123)  # the caller's address the app sees: this machine

Headers = list[tuple[bytes, bytes]]


async def asgi_call(app, method: str, target: bytes, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
    """``(status, headers, body)`` of one request; ``target`` is the path with its query (``/a?b=c``)."""
    path, _, query = target.partition(b"?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": unquote(path.decode("latin-1")), "raw_path": path, "query_string": query,
        "headers": [(name.lower(), value) for name, value in headers], "server": (HOST, 80), "client": CLIENT,
        "root_path": "",
    }  # fmt: skip
    sent = False
    complete = asyncio.Event()
    status: int | None = None
    answer_headers: Headers = []
    chunks: list[bytes] = []

    async def receive() -> dict:
        nonlocal sent
        if sent:  # the body was read: the client stays connected until the answer is complete
            await complete.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def reply(message: dict) -> None:
        nonlocal status, answer_headers
        if message["type"] == "http.response.start":
            status, answer_headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if method != "HEAD":
                chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                complete.set()

    try:
        await app(scope, receive, reply)
    except Exception:  # an app error is the backend's 500, as a server answers it
        if status is None:
            status, answer_headers, chunks = 500, [], []
    complete.set()
    return status or 500, answer_headers, b"".join(chunks)


class _Loops:
    """One event loop per calling thread, kept until closed."""

    def __init__(self) -> None:
        self._local = threading.local()

    def run(self, coroutine):
        loop = getattr(self._local, "loop", None)
        if loop is None:
            loop = self._local.loop = asyncio.new_event_loop()
        return loop.run_until_complete(coroutine)

    def close(self) -> None:
        loop = getattr(self._local, "loop", None)
        if loop is not None:
            loop.close()
            self._local.loop = None


class _Transport(httpx.BaseTransport):
    def __init__(self, app) -> None:
        self.app = app
        self.loops = _Loops()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call = asgi_call(self.app, request.method, request.url.raw_path, request.headers.raw, request.read())
        status, headers, body = self.loops.run(call)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        """The calling thread's event loop is closed with the client."""
        self.loops.close()


class InProcessClient(httpx.Client):
    """An httpx client whose requests go straight into an ASGI app."""

    def __init__(self, app) -> None:
        self.transport = _Transport(app)
        super().__init__(transport=self.transport, base_url=f"http://{HOST}")
        self.app = app


def in_process(app) -> httpx.Client:
    return InProcessClient(app)


class InProcessAdapter(requests.adapters.HTTPAdapter):
    """A ``requests`` adapter into the app of an ``InProcessClient`` (Schemathesis' fuzz sends through
    it), on the same event loops: exactly the request's own headers, no client defaults added."""

    def __init__(self, client: InProcessClient) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        url = urllib3.util.parse_url(request.url or "/")
        target = (url.path or "/") + (f"?{url.query}" if url.query is not None else "")
        body = request.body or b""
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in request.headers.items()]
        call = asgi_call(self.client.app, request.method or "GET", target.encode("latin-1"), headers,
                         body.encode() if isinstance(body, str) else body)  # fmt: skip
        status, answer_headers, content = self.client.transport.loops.run(call)
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            headers=[(name.decode("latin-1"), value.decode("latin-1")) for name, value in answer_headers],
            status=status,
            reason=httpx.codes.get_reason_phrase(status),
            version=11,
            preload_content=False,
            request_method=request.method,
        )
        return self.build_response(request, raw)
