"""The commands that start a server, ``serve`` and ``proxy``, and ``reset`` of the mock's stores.

A start-up problem is one line on stderr and exit status 2, before any banner. Ctrl-C (or SIGTERM)
stops a server within a few seconds, requests still in flight cancelled, without a traceback.
"""

from __future__ import annotations

import argparse
import errno
import logging
import logging.handlers
import queue
import socket
from urllib.parse import urlsplit

from ..settings import Settings
from .common import DEFAULTS, fail

# Seconds a stopping server waits for requests in flight (a slow upstream, an injected delay) before
# it cancels them: the first Ctrl-C stops it.
GRACE_SECONDS = 2


class StartupError(Exception):
    """A reason the server cannot start, said in one line."""


def _settings_of(args: argparse.Namespace) -> Settings:
    origins = tuple(args.origins or DEFAULTS.origins)
    if "*" in origins:
        raise StartupError(
            "--origin '*' is refused: with credentials it would let every site act as you; name each origin"
        )
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise StartupError(f"--origin {origin!r} is not an origin such as http://localhost:3000")
    loopback = args.host.lower() in ("localhost", "127.0.0.1", "::1")
    if not loopback and not (args.control_token or args.no_control):
        raise StartupError(
            f"--host {args.host} lets the network reach the control API (tokens, 2FA codes, reset): add "
            "--control-token TOKEN, or --no-control"
        )
    if args.state_file and args.mongo_uri:
        raise StartupError("--state-file is for the embedded store; a --mongo-uri database keeps its state itself")
    if not args.fixtures.is_dir():
        raise StartupError(f"--fixtures {args.fixtures}: no such folder")
    return Settings(
        host=args.host,
        port=args.port,
        origins=tuple(o.rstrip("/") for o in origins),
        mongo_uri=args.mongo_uri,
        fixtures_dir=args.fixtures,
        profile=args.profile,
        state_file=args.state_file,
        start_time=args.start_time,
        frozen=args.frozen,
        strict_2fa=args.strict_2fa,
        require_2fa=args.require_2fa,
        validate_responses=args.validate_responses,
        log_requests=not args.quiet,
        allowed_hosts=tuple(args.allowed_hosts),
        control_token=args.control_token,
        no_control=args.no_control,
        max_body=args.max_body,
        jwt_secret=args.jwt_secret,
        latency=args.latency,
        journal_size=args.journal_size,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as failed:
        sock.close()
        if failed.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} is in use (another mock? stop it, or start this one with --port {port + 1})"
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {failed.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def invalid_document(invalid: Exception) -> str:
    """Connexion's refusal of a document (a jsonschema error, whose message may quote a whole subtree) as
    one line: the place in the document and the start of the reason."""
    from ..resources import OPENAPI_DIR

    where = "/".join(str(part) for part in getattr(invalid, "absolute_path", ())) or "its top level"
    reason = " ".join(str(getattr(invalid, "message", invalid)).split())
    reason = reason if len(reason) <= 200 else reason[:200] + " ..."
    return f"a document in {OPENAPI_DIR} is not valid OpenAPI 3.0: at {where}: {reason}"


def serve(args: argparse.Namespace) -> int:
    from connexion.exceptions import InvalidSpecification

    from ..app import create_app

    listener = _log_in_background()
    logging.getLogger("connexion").setLevel(logging.WARNING)
    if args.quiet:
        logging.getLogger("mock_server.access").setLevel(logging.WARNING)
    try:
        settings = _settings_of(args)
        restored = bool(settings.state_file and settings.state_file.is_file() and settings.start_time is None)
        app = create_app(settings)
        built = _build_scenario(app.services, args) if args.scenario else ""
        sock = _bind(args.host, args.port)
    except InvalidSpecification as invalid:  # an edited openapi/ document: where and why, in one line
        listener.stop()
        return fail("serve", invalid_document(invalid))
    except (StartupError, ConnectionError, ValueError, OSError) as refused:  # ScenarioError is a ValueError
        listener.stop()
        return fail("serve", refused)
    clock = app.services.clock
    where = "memory" if not (settings.state_file or settings.mongo_uri) else settings.state_file or "MongoDB"
    print(
        f"Mock server on http://{args.host}:{args.port}  (clock {clock.now().isoformat()}, "
        f"{'frozen' if clock.frozen else 'real time'}{', as the state file kept it' if restored else ''}; "
        f"profile {settings.profile}; state in {where}; {built}"
        "Swagger UI at /ui and /__mock/ui)",
        flush=True,
    )
    try:
        return run_server(app, sock)
    finally:
        listener.stop()  # what is still queued is written first


def _build_scenario(services, args: argparse.Namespace) -> str:
    """Build ``--scenario`` (a built-in name or a file) before serving; the banner's words for it.
    A file with a mistake, or a step the mock refuses: ``ScenarioError``, one line."""
    import asyncio

    from ..http.errors import ApiError
    from ..scenarios.builder import build
    from ..scenarios.files import ScenarioError, resolve

    scenario = resolve(args.scenario)
    start = args.start_time.isoformat() if args.start_time else None
    try:
        built = asyncio.run(build(services, scenario, start=start, frozen=True if args.frozen else None))
    except ApiError as refused:
        raise ScenarioError(f"{args.scenario}: {refused.message}") from None
    return f"scenario {built.get('name', args.scenario)} ({built['steps']} steps); "


def run_server(app, sock: socket.socket, on_stop=None, grace: float | None = None) -> int:
    """Serve until stopped. A Ctrl-C (SIGINT) or SIGTERM stops it (``on_stop`` is told at once, so
    that requests in flight can end); uvicorn hands a Ctrl-C back once it has stopped, which ends
    here, without a traceback (exit status 130)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            if on_stop is not None:
                on_stop()

    config = uvicorn.Config(app, access_log=False, log_level="warning", timeout_graceful_shutdown=grace)
    try:
        Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        return 130
    return 0


class _Enqueue(logging.handlers.QueueHandler):
    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record  # formatted by the writer thread, not by the request


def _log_in_background() -> logging.handlers.QueueListener:
    """Log lines (the access log's above all) are formatted and written by a thread of their own,
    off the requests' path: a request only puts its record on a queue."""
    writer = logging.StreamHandler()
    writer.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    records: queue.SimpleQueue = queue.SimpleQueue()
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(_Enqueue(records))
    listener = logging.handlers.QueueListener(records, writer)
    listener.start()
    return listener


def reset(args: argparse.Namespace) -> int:
    from ..state.fixtures import load
    from ..state.state_file import StateFile
    from ..state.store import Store, connect

    if bool(args.mongo_uri) == bool(args.state_file):
        return fail("reset", "give exactly one of --mongo-uri and --state-file")
    try:
        store = Store(connect(args.mongo_uri, DEFAULTS.database))
        store.reset(load(args.fixtures, args.profile))
        if args.state_file:
            StateFile(args.state_file, store).save_if_changed()
    except (ConnectionError, ValueError, OSError) as failed:
        return fail("reset", failed)
    print(f"Reset {'the MongoDB database' if args.mongo_uri else args.state_file} to the fixtures ({args.profile})")
    return 0


def proxy(args: argparse.Namespace) -> int:
    from ..tools import proxy as validating

    origins = tuple(args.origins or DEFAULTS.origins)
    if "*" in origins:
        return fail("proxy", "--origin '*' is refused: name each origin")
    if not urlsplit(args.upstream).scheme.startswith("http"):
        return fail("proxy", f"--upstream {args.upstream!r} is not an http(s) URL")
    checker = validating.ValidatingProxy(
        args.upstream,
        allow_writes=args.allow_writes,
        grace=args.overdue_grace,
        say=lambda line: print(line, flush=True),
    )

    def on_exit() -> None:
        print(checker.summary(), flush=True)
        if args.report:
            validating.report(checker, args.report)
            print(f"report: {args.report}", flush=True)

    try:
        sock = _bind(args.host, args.port)
    except StartupError as refused:
        return fail("proxy", refused)
    mode = "reads and writes" if args.allow_writes else "read-only"
    print(f"Validating proxy on http://{args.host}:{args.port} -> {args.upstream} ({mode})", flush=True)
    app = validating.build_proxy(checker, origins, on_exit)
    return run_server(app, sock, on_stop=checker.stop, grace=GRACE_SECONDS)
