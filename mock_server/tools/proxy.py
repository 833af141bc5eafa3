"""``novunt-mock proxy``: the admin app talks to a real backend through it, and every exchange is
checked against the contract (Prism's validation proxy, with this contract's rules and monitors).

The app sees the proxy exactly as it sees the mock (same port, same CORS). Each exchange is checked
with the contract suite's own validators: the request body against its schema, the answer's status
(declared?) and body (the schema, the one error envelope), the order of checks where one exchange
shows it (malformed JSON first, then no token: 401), and the suite's read-only monitors on
today's status (a COMPLETED slot that paid no stake while another did, a PENDING slot past its time
while the schedule is enabled, "today" that is not the date in the schedule's zone). Violations go
to the proxy's journal (``GET /__proxy/requests``), one line each on the console, and to an HTML
report on exit (``--report``), each reported once. Read-only by default: a write is refused with
the envelope unless ``--allow-writes``. Credentials pass through and are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from jsonschema import Draft4Validator
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contract_tests.contract import Exchange, operation, schema_problems
from contract_tests.monitors import Observed, overdue_pending, paid_nobody, today_not_local

from ..domain.schedule import to_iso
from ..http.errors import envelope
from ..http.journal import Journal, readable_body, redact, redact_headers
from ..http.middleware.scope import printable

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length",
              "content-encoding", "proxy-authorization", "te", "trailer"}  # fmt: skip
READS = ("GET", "HEAD", "OPTIONS")
JITTER = timedelta(seconds=5)  # our clock against the backend's: "today" may be either side of a midnight


@dataclass
class Violation:
    rule: str
    problem: str
    method: str
    path: str
    status: int

    def line(self) -> str:
        """One console line; the path and the problem (which may quote what was sent) escaped."""
        return f"VIOLATION {self.method} {printable(self.path)} {self.status}: {printable(self.problem)} ({self.rule})"


@dataclass
class Watch:
    """What the proxy has seen of the backend that the monitors need (the saved schedule), and what it said."""

    schedule: dict | None = None  # the last schedule answered
    seen: set[tuple[str, str, str]] = field(default_factory=set)


def request_problems(method: str, path: str, body) -> list[tuple[str, str]]:
    op = operation(method, path)
    if op is None:
        return [("contract: every call is one of its operations", f"{method} {path} is not in the contract")]
    schema = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None or body is None:
        return []
    rule = f"contract: the request body of {op['operationId']}"
    return [(rule, f"request {error.message}") for error in Draft4Validator(schema).iter_errors(body)]


ORDER = "BRIEF §0, the order of checks"


def order_problems(op: dict, headers, raw: bytes, status: int, body) -> list[tuple[str, str]]:
    """The order of checks where one exchange shows it: malformed JSON first (400 INVALID_JSON), then
    the token (401) before role, 2FA code and validation."""
    code = ((body or {}).get("error") or {}).get("code") if isinstance(body, dict) else None
    if raw.strip() and "json" in headers.get("content-type", "json"):
        try:
            json.loads(raw)
        except RecursionError:  # JSON, only deeper than this parser goes: nothing to judge
            return []
        except ValueError:
            if (status, code) != (400, "INVALID_JSON"):
                return [(ORDER, f"a body that is not JSON was answered {status} {code or ''}, not 400 INVALID_JSON")]
            return []
    if op.get("security") != [] and "authorization" not in headers and status != 401:
        return [(ORDER, f"a request without a token was answered {status} {code or ''}, not 401")]
    return []


def monitor_problems(op_id: str, exchange: Exchange, watch: Watch, now: datetime, grace: float) -> list[tuple]:
    """The suite's read-only monitors (``contract_tests.monitors``: TC22, TC24, TC27) on today's status,
    judged against the last schedule the backend answered; run only on an answer its schema accepts."""
    body = exchange.body
    data = body.get("data") if isinstance(body, dict) else None
    if op_id == "getDistributionSchedule" and isinstance(data, dict):
        watch.schedule = data
    if op_id != "getTodayDistributionStatus" or not isinstance(data, dict):
        return []
    seen = Observed(exchange, data, watch.schedule, now - JITTER, now + JITTER)
    found = [*paid_nobody(seen), *overdue_pending(seen, timedelta(minutes=grace))]
    if watch.schedule is not None:
        found += today_not_local(seen)
    # Said once per problem (the finding's key), not once per wording: the evidence moves with the clock.
    return [(f"{finding.case}: {finding.rule}", f"expected {finding.expected}", finding.key) for finding in found]


class ValidatingProxy:
    def __init__(self, upstream: str, *, allow_writes: bool, grace: float, say: Callable[[str], None]) -> None:
        self.upstream = upstream.rstrip("/")
        self.allow_writes = allow_writes
        self.grace = grace
        self.say = say
        self.journal = Journal(1000)
        self.watch = Watch()
        self.violations: list[Violation] = []
        self.unanswered = 0  # exchanges the upstream did not answer (502 sent)
        self.client: httpx.AsyncClient | None = None
        self._stopping: asyncio.Event | None = None  # set when the proxy is told to stop
        self._loop: asyncio.AbstractEventLoop | None = None

    def started(self) -> None:
        """On the server's event loop, as it starts."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Told to stop (from a signal handler): the requests waiting on the upstream end now."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def forward(self, request: Request, headers: dict, raw: bytes) -> httpx.Response | None:
        """The upstream's answer, or None when the proxy was told to stop before it came."""
        call = asyncio.ensure_future(self.client.request(
            request.method, request.url.path, params=list(request.query_params.multi_items()), headers=headers,
            content=raw,
        ))  # fmt: skip
        if self._stopping is None:
            return await call
        stop = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({call, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if call.done():
            return call.result()
        call.cancel()
        return None

    def summary(self) -> str:
        """The closing line: violations over exchanges, and how many the upstream did not answer."""
        line = f"{len(self.violations)} violation(s) over {len(self.journal.entries())} exchange(s)"
        return line + (f", {self.unanswered} not answered by the upstream (502)" if self.unanswered else "")

    async def handle(self, request: Request) -> Response:
        if request.url.path == "/__proxy/requests":
            return JSONResponse(
                {"requests": self.journal.entries(), "violations": [v.__dict__ for v in self.violations]}
            )
        raw = await request.body()
        if request.method not in READS and not self.allow_writes:
            op = operation(request.method, request.url.path)
            named = f" ({op['operationId']})" if op else ""
            message = (
                f"The validating proxy is read-only: start it with --allow-writes to send "
                f"{request.method} {request.url.path}{named} to {self.upstream}"
            )
            return JSONResponse(envelope(403, "FORBIDDEN", message), status_code=403)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            upstream = await self.forward(request, headers, raw)
        except httpx.HTTPError as failed:  # the backend is down or did not answer: 502, said in one line
            return self.unreachable(request, raw, failed)
        if upstream is None:
            message = "The validating proxy is stopping: the upstream had not answered"
            return JSONResponse(envelope(503, "INTERNAL_ERROR", message), status_code=503)
        self.check(request, raw, upstream)
        kept = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
        return Response(upstream.content, status_code=upstream.status_code, headers=kept)

    def unreachable(self, request: Request, raw: bytes, failed: httpx.HTTPError) -> Response:
        """The upstream did not answer: a 502 in the envelope (``BAD_GATEWAY``), one console line,
        counted and journaled with the reason."""
        reason = f"the upstream {self.upstream} did not answer: {str(failed) or type(failed).__name__}"
        self.unanswered += 1
        self.say(f"UPSTREAM DOWN {request.method} {printable(request.url.path)}: {reason}; answered 502")
        body = envelope(502, "BAD_GATEWAY", f"Bad gateway: {reason}")
        self.record(request, readable_body(raw), 502, body, operation(request.method, request.url.path), [reason])
        return JSONResponse(body, status_code=502)

    def record(self, request: Request, sent, status: int, answer, op: dict | None, problems: list[str]) -> None:
        """One exchange in the proxy's journal, credentials redacted, with what was wrong with it."""
        self.journal.record({
            "wallTime": to_iso(datetime.now(UTC)), "method": request.method, "path": request.url.path,
            "query": redact(dict(request.query_params)), "headers": redact_headers(request.headers.items()),
            "body": sent, "status": status, "response": answer,
            "operationId": op["operationId"] if op else None, "problems": problems,
        })  # fmt: skip

    def check(self, request: Request, raw: bytes, upstream: httpx.Response) -> None:
        method, path, status = request.method, request.url.path, upstream.status_code
        sent = readable_body(raw)
        problems = request_problems(method, path, sent if isinstance(sent, dict | list) else None)
        op = operation(method, path)
        if op is not None:
            exchange = Exchange(method, path, sent, status, dict(upstream.headers), upstream.text)
            rule = f"contract: the answers of {op['operationId']} (status, schema, the one error envelope)"
            shape = schema_problems(exchange)
            problems += [(rule, problem) for problem in shape]
            body = exchange.body
            problems += order_problems(op, request.headers, raw, status, body)
            if not shape:
                problems += monitor_problems(op["operationId"], exchange, self.watch, datetime.now(UTC), self.grace)
        reported = []
        for rule, problem, *same in problems:  # a monitor's finding names the problem it is (``same``)
            key = (rule, f"{method} {op['operationId'] if op else path}", same[0] if same else problem)
            if key in self.watch.seen:
                continue
            self.watch.seen.add(key)
            violation = Violation(rule, problem, method, path, status)
            self.violations.append(violation)
            self.say(violation.line())
            reported.append(f"{problem} ({rule})")
        self.record(request, sent, status, readable_body(upstream.content), op, reported)


def build_proxy(proxy: ValidatingProxy, origins: tuple[str, ...], on_exit: Callable[[], None]) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_app) -> AsyncIterator[None]:
        timeout = httpx.Timeout(60, connect=10)  # a host that drops packets is "down" after 10 s, not 60
        async with httpx.AsyncClient(base_url=proxy.upstream, timeout=timeout, follow_redirects=False) as client:
            proxy.client = client
            proxy.started()
            try:
                yield
            finally:
                on_exit()

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[Route("/{path:path}", proxy.handle, methods=methods)],
        middleware=[Middleware(CORSMiddleware, allow_origins=list(origins), allow_credentials=True,
                               allow_methods=[*methods, "OPTIONS"], allow_headers=["Authorization", "Content-Type",
                                                                                   "X-2FA-Code"], max_age=600)],
        lifespan=lifespan,
    )  # fmt: skip


def report(proxy: ValidatingProxy, path, scrub: Callable[[str], str] = lambda text: text) -> None:
    """The violations as the suite's HTML report (``contract_tests.html_report``)."""
    from pathlib import Path

    from contract_tests.html_report import render

    rows = [(f"P{n:02d}", f"{v.method} {v.path} ({v.status})", "failed", f"{v.problem} ({v.rule})")
            for n, v in enumerate(proxy.violations, 1)]  # fmt: skip
    closing = proxy.summary()
    run = {"target": proxy.upstream, "mode": "validating proxy", "contract_version": _version(), "seed": "-"}
    Path(path).write_text(render(run, to_iso(datetime.now(UTC)), rows, closing, {}, scrub), encoding="utf-8")


def _version() -> str:
    from contract_tests.contract import document

    return str(document()["info"]["version"])
