"""HTTP faults and latency on the contract's routes: a status (with the contract's envelope or a
body of your own), a delay, or a dropped connection, so the admin app's error cards, spinners and
retries can be seen (``POST /__mock/faults`` with ``operationId`` or ``method`` + ``path``;
``--latency`` for every route). Never on ``/__mock/``.

A fault applies to the next ``times`` matching requests (every one when ``times`` is absent), each
with its ``probability``; the first armed fault that matches wins. A delay is spent before the
request is handled; a ``status`` answers instead of the route; ``drop`` starts an answer and closes
the connection before its body, which a browser reports as a network error.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import CODES_BY_STATUS, envelope
from .routes import Routes, template_pattern
from .services import Services

CONTROL = "/__mock"
NOTE = "route_fault"  # the scope extension where the journal finds what was injected


def matches(fault: dict, method: str, path: str, operation_id: str | None) -> bool:
    """``operationId``; or ``method`` and ``path``: a path, a template of the contract, or every path
    under a prefix written ``/prefix/*``."""
    if fault.get("operationId"):
        return fault["operationId"] == operation_id
    if fault.get("method") and fault["method"].upper() != method:
        return False
    wanted = fault.get("path")
    if not wanted:
        return True
    if wanted.endswith("/*"):
        return path.startswith(wanted[:-1])
    return bool(template_pattern(wanted).match(path))


def selector_problems(fault: dict, routes: Routes, operation_ids: Iterable[str]) -> list[str]:
    """Why a fault could never fire, one line each: an operationId the contract does not have, a path
    (or ``/prefix/*``) no route of the contract matches, a method that path does not take."""
    problems = []
    wanted = fault.get("operationId")
    if wanted and wanted not in set(operation_ids):
        problems.append(f"operationId: '{wanted}' is not an operation of the contract (e.g. getCronStatus)")
    path, method = fault.get("path"), (fault.get("method") or "").upper()
    if not path:
        return problems
    if path.startswith(CONTROL):
        return [*problems, f"path: '{path}' is the mock's control API, which faults never touch"]
    templates = [t for t in routes.templates() if not t.startswith(CONTROL)]
    if path.endswith("/*"):
        if not any(t.startswith(path[:-1]) for t in templates):
            problems.append(f"path: no route of the contract is under '{path[:-2]}'")
    elif not routes.allowed(path):
        problems.append(f"path: no route of the contract matches '{path}'")
    elif method and method not in routes.allowed(path):
        problems.append(f"method: {path} takes {', '.join(routes.allowed(path)[:-1])}, not {method}")
    return problems


def delay_of(spec, rng: random.Random) -> float:
    """Seconds to wait: ``delayMs`` is a number or ``[low, high]`` (uniform)."""
    if spec is None:
        return 0.0
    low, high = (spec, spec) if isinstance(spec, int | float) else spec
    return rng.uniform(low, high) / 1000


def fault_body(fault: dict) -> bytes:
    if "body" in fault:
        return json.dumps(fault["body"]).encode()
    status = fault["status"]
    code = CODES_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
    message = f"Simulated {status} (injected through /__mock/faults)"
    return json.dumps(envelope(status, code, message)).encode()


class RouteFaultMiddleware:
    def __init__(self, app: ASGIApp, services: Services, latency: tuple[int, int] | None) -> None:
        self.app = app
        self.services = services
        self.latency = latency
        self.rng = random.Random()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"].startswith("/__mock")
            or scope["method"] == "OPTIONS"
            or (not self.latency and not self.services.store.faults.any_route())
        ):
            await self.app(scope, receive, send)
            return
        fault = self.armed_fault(scope)
        wait = delay_of(self.latency, self.rng)
        wait += delay_of(fault.get("delayMs"), self.rng) if fault else 0.0
        if wait:
            await asyncio.sleep(wait)
        if fault:
            scope.setdefault("extensions", {})[NOTE] = describe(fault, wait)
        if fault and fault.get("drop"):
            # An answer's head promising a body that never comes: the server closes the connection.
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})  # fmt: skip
            return
        if fault and fault.get("status"):
            body = fault_body(fault)
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": fault["status"], "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def armed_fault(self, scope: Scope) -> dict | None:
        faults = self.services.store.faults.routes()
        if not faults:
            return None
        operation_id = self.services.routes.operation_id(scope["method"], scope["path"])
        for fault in faults:
            if not matches(fault, scope["method"], scope["path"], operation_id):
                continue
            if self.rng.random() >= fault.get("probability", 1.0):
                continue
            if self.services.store.faults.take_route(fault["_id"]):
                return fault
        return None


def describe(fault: dict, waited: float) -> str:
    """What a fault did, for the journal."""
    parts = [f"status {fault['status']}"] if fault.get("status") else []
    parts += ["dropped the connection"] if fault.get("drop") else []
    parts += [f"delayed {round(waited * 1000)} ms"] if waited else []
    return "injected fault: " + ", ".join(parts or ["none"])
