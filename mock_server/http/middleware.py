"""ASGI middleware of our own: the request's services and due work, body buffering (malformed JSON
first), and one log line per request."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain.schedule import to_iso
from ..engine.clock import wall_now
from . import json_input
from .errors import ApiError
from .journal import KEPT_BYTES, problems_of, readable_body, redact, redact_headers
from .services import SCOPE_KEY, Services

access_log = logging.getLogger("mock_server.access")
log = logging.getLogger("mock_server")


def _client(scope: Scope) -> str:
    """Who is asking, as a storm notice names it: the address and the page's origin (a browser opens
    several connections, so not the port)."""
    host = (scope.get("client") or ("an unknown address", 0))[0]
    origin = _header(scope, b"origin")
    return f"{host} ({origin})" if origin else host


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1").strip()
    return ""


def _content_type(scope: Scope) -> str:
    return _header(scope, b"content-type").split(";")[0].strip().lower()


def is_json(content_type: str) -> bool:
    return content_type == "" or content_type == "application/json" or content_type.endswith("+json")


# Control routes that move the clock or reset it run what falls due themselves, as part of the move,
# and report it; running it here first would take it from their report.
CLOCK_MOVES = ("/__mock/clock", "/__mock/reset")


class ServicesMiddleware:
    """Puts this app's ``Services`` in the scope, and runs whatever is due at the clock's instant
    before the request is handled: the one place on the request path that does, so that no handler
    reads or changes a state that is behind the clock (BRIEF §6: past-due work runs at once). After
    the request, what it changed is written to the state file (``--state-file``)."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("extensions", {})[SCOPE_KEY] = {"services": self.services, "body": None}
            if scope["method"] != "OPTIONS" and not scope["path"].startswith(CLOCK_MOVES):
                self.services.runner.catch_up()
            try:
                await self.app(scope, receive, send)
            finally:
                self.services.persist()
            return
        await self.app(scope, receive, send)


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
        declared = _header(scope, b"content-length")
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
        if raw.strip() and is_json(_content_type(scope)):
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


class AccessLogMiddleware:
    """One line per request: method, path, status, latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %d %.1fms", scope["method"], printable(scope["path"]), status, elapsed)


def printable(text: str) -> str:
    """``text`` with control characters (and non-ASCII) escaped: a path cannot forge a log line."""
    return text.encode("ascii", "backslashreplace").decode("ascii").replace("\n", "\\n").translate(CONTROLS)


CONTROLS = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


def injected(scope: Scope) -> list[str]:
    """What an HTTP fault did to this request (``route_faults.NOTE``), for the journal."""
    note = scope.get("extensions", {}).get("route_fault")
    return [note] if note else []


class JournalMiddleware:
    """Records every request to the contract's routes in the journal (``journal.py``): the request
    as sent (credentials redacted), the answer, the latency, and the reason for a refusal. Paths no
    route of the contract matches (``/favicon.ico``, Swagger UI, a mistyped path) are only on the
    access log."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/__mock") or not self.services.routes.allowed(path):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent, answered = bytearray(), bytearray()
        status = 500

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(sent) <= KEPT_BYTES:
                sent.extend(message.get("body", b"")[: KEPT_BYTES + 1 - len(sent)])
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(answered) <= KEPT_BYTES:
                answered.extend(message.get("body", b"")[: KEPT_BYTES + 1 - len(answered)])
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        finally:
            self._record(scope, bytes(sent), status, bytes(answered), started)

    def _record(self, scope: Scope, sent: bytes, status: int, answered: bytes, started: float) -> None:
        """The request as it came, kept raw: parsed, redacted and looked up when the journal is read."""
        services = self.services
        notice = services.storms.seen(scope["method"], scope["path"], _client(scope))
        if notice is not None:
            log.warning("%s", printable(notice))
        services.journal.record(
            {
                **({"notice": notice} if notice else {}),
                "wallTime": wall_now(),
                "simulatedTime": services.clock.now(),
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b""),
                "headers": scope.get("headers", []),
                "body": sent,
                "status": status,
                "response": answered,
                "latencyMs": (time.perf_counter() - started) * 1000,
                "faults": injected(scope),
            },
            complete=self._shown,
        )

    def _shown(self, raw: dict) -> dict:
        """A raw record as the journal shows it, made once: instants as ISO text, query, headers and
        bodies redacted (bodies as their JSON, their text or a note of their size), the operation
        named, the latency rounded, and a refusal's reasons (from its answer)."""
        query = dict(parse_qsl(raw["query"].decode("latin-1"), keep_blank_values=True)) if raw["query"] else {}
        status, faults, response = raw["status"], raw.pop("faults"), readable_body(raw["response"])
        return {
            **raw,
            "wallTime": to_iso(raw["wallTime"]),
            "simulatedTime": to_iso(raw["simulatedTime"]),
            "query": redact(query),
            "headers": redact_headers((n.decode("latin-1"), v.decode("latin-1")) for n, v in raw["headers"]),
            "body": readable_body(raw["body"]),
            "response": response,
            "latencyMs": round(raw["latencyMs"], 2),
            "operationId": self.services.routes.operation_id(raw["method"], raw["path"]),
            "problems": problems_of(status, response) + faults,
        }
