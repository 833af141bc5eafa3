"""Every request to the contract's routes, recorded in the request journal (``http.journal``)."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...domain.schedule import to_iso
from ...engine.clock import wall_now
from ..journal import KEPT_BYTES, problems_of, readable_body, redact, redact_headers
from ..services import Services
from .scope import client, printable

log = logging.getLogger("mock_server")


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
        notice = services.storms.seen(scope["method"], scope["path"], client(scope))
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
