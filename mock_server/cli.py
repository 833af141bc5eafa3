"""``novunt-mock``: serve the mock, move a running mock's clock, verify a backend against the contract."""

from __future__ import annotations

import argparse
import errno
import json
import logging
import logging.handlers
import os
import queue
import socket
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from .clock import within_bounds
from .domain.schedule import parse_iso
from .fixtures import PROFILES
from .settings import Settings

DEFAULTS = Settings()  # every option's default, from the one place that states it
DEFAULT_URL = f"http://{DEFAULTS.host}:{DEFAULTS.port}"


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error and exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _instant(text: str) -> datetime:
    try:
        instant = parse_iso(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if not within_bounds(instant):
        raise argparse.ArgumentTypeError(f"{text!r} is outside the mock's clock range, the years 2000-2099")
    return instant


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def _latency(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    if not low.isdigit() or not (high or low).isdigit() or int(low) > int(high or low) or int(high or low) > 120000:
        raise argparse.ArgumentTypeError(f"milliseconds such as 300 or 200-800 (at most 120000), not {text!r}")
    return int(low), int(high or low)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return int(text)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """The backend a suite runs against, its credentials and what it may change; pytest's own
    options (-k, -x, --junitxml, -l, --tb=long, ... or anything after ``--``) pass through."""
    parser.add_argument("base_url", nargs="?", help="the backend (default: an in-process mock)")
    parser.add_argument("--token", help="an admin bearer token (env CONTRACT_TOKEN)")
    parser.add_argument("--totp-secret", help="that admin's TOTP secret (env CONTRACT_TOTP_SECRET)")
    parser.add_argument("--non-admin-token", help="a token of a role that may not use the routes (TC05)")
    parser.add_argument("--allow-writes", action="store_true", help="allow schedule and toggle changes (restored)")
    parser.add_argument(
        "--allow-distribution", action="store_true", help="allow queue, modify and cancel (pays people: staging only)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="fail when a case is skipped for a missing credential or option"
    )
    parser.add_argument("--overdue-grace", type=float, metavar="MINUTES", help="the overdue monitor's grace (5)")
    parser.add_argument("--serve-mock", action="store_true", help="start the mock and run over HTTP against it")
    parser.add_argument(
        "--as-live", action="store_true", help="check a running mock as a live backend (no reset, read-only)"
    )
    parser.add_argument(
        "--parallel-reads",
        type=_positive,
        metavar="N",
        help="read-only against a live backend: fuzz this many operations at once (6; env CONTRACT_PARALLEL_READS)",
    )
    parser.add_argument("--junitxml", help="write a JUnit XML report here")
    parser.add_argument("--report", metavar="PATH", help="write a self-contained HTML report here (to attach)")
    parser.add_argument("-k", dest="keyword", help="only cases matching this pytest -k expression")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")


def add_running_mock_options(parser: argparse.ArgumentParser) -> None:
    """Where a running mock is, and its control token (commands that talk to one)."""
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the running mock (default {DEFAULT_URL})")
    parser.add_argument(
        "--control-token", default=DEFAULTS.control_token, metavar="TOKEN", help="its control token, if it has one"
    )


def build_parser() -> Parser:
    parser = Parser(prog="novunt-mock", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    serve = commands.add_parser(
        "serve",
        help="start the mock server",
        description="Start the mock server (default http://127.0.0.1:5000, the admin app's development default).",
    )
    serve.add_argument("--host", default=DEFAULTS.host, help=f"address to listen on (default {DEFAULTS.host})")
    serve.add_argument("--port", type=_port, default=DEFAULTS.port, help=f"port to listen on (default {DEFAULTS.port})")
    serve.add_argument(
        "--origin",
        action="append",
        dest="origins",
        metavar="URL",
        help=f"a CORS origin allowed with credentials (repeatable; default {', '.join(DEFAULTS.origins)})",
    )
    serve.add_argument(
        "--mongo-uri",
        default=DEFAULTS.mongo_uri,
        help="use this MongoDB instead of the embedded mongomock (env MOCK_MONGO_URI)",
    )
    serve.add_argument("--fixtures", type=Path, default=DEFAULTS.fixtures_dir, help="folder of fixture YAML files")
    serve.add_argument(
        "--profile",
        choices=PROFILES,
        default=DEFAULTS.profile,
        help=f"which admin app the fixtures suit: current (today's app; default schedule in UTC) or seed "
        f"(the seed-day app; 15:59:59 Africa/Lagos) (env MOCK_PROFILE; default {DEFAULTS.profile})",
    )
    serve.add_argument("--start-time", type=_instant, help="simulated start instant (default: now)")
    serve.add_argument("--frozen", action="store_true", help="freeze the clock; it moves only via /__mock/clock")
    serve.add_argument("--strict-2fa", action="store_true", help="refuse a 2FA code already used (replay protection)")
    serve.add_argument("--require-2fa", action="store_true", help="admins without 2FA get 403 2FA_MANDATORY")
    serve.add_argument(
        "--validate-responses", action="store_true", help="check every response against the contract (slower)"
    )
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="keep the embedded store in this file: written on every change, loaded at start (default: memory only)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        default=[],
        help="a further Host name the server answers to (repeatable; localhost, 127.0.0.1 and [::1] always)",
    )
    serve.add_argument(
        "--control-token",
        default=DEFAULTS.control_token,
        metavar="TOKEN",
        help="require this token (X-Mock-Control-Token) on every /__mock/ call; needed to bind a non-loopback "
        "address (env MOCK_CONTROL_TOKEN)",
    )
    serve.add_argument("--no-control", action="store_true", help="serve no /__mock/ control API")
    serve.add_argument(
        "--max-body",
        type=_positive,
        default=DEFAULTS.max_body,
        metavar="BYTES",
        help=f"the largest request body accepted (default {DEFAULTS.max_body}; larger: 413)",
    )
    serve.add_argument(
        "--latency",
        type=_latency,
        metavar="MS[-MS]",
        help="add this delay (or a random one in the range) to every contract route, e.g. 300 or 200-800",
    )
    serve.add_argument(
        "--journal-size",
        type=_positive,
        default=DEFAULTS.journal_size,
        metavar="N",
        help=f"how many requests the journal keeps (default {DEFAULTS.journal_size})",
    )
    serve.add_argument(
        "--jwt-secret",
        default=DEFAULTS.jwt_secret,
        metavar="SECRET",
        help="the HS256 key of the tokens (env MOCK_JWT_SECRET; default: a fixed, public one)",
    )

    reset = commands.add_parser(
        "reset",
        help="reseed a MongoDB database or a state file with the fixtures",
        description="Put a --mongo-uri database or a --state-file back to the fixtures (serve never wipes them).",
    )
    reset.add_argument("--mongo-uri", default=DEFAULTS.mongo_uri, help="the MongoDB database (env MOCK_MONGO_URI)")
    reset.add_argument("--state-file", type=Path, metavar="PATH", help="the state file")
    reset.add_argument("--fixtures", type=Path, default=DEFAULTS.fixtures_dir, help="folder of fixture YAML files")
    reset.add_argument("--profile", choices=PROFILES, default=DEFAULTS.profile, help="as for serve")

    clock = commands.add_parser("clock", help="read or move the clock of a running mock")
    add_running_mock_options(clock)
    moves = clock.add_mutually_exclusive_group()
    moves.add_argument("--advance", type=float, metavar="SECONDS", help="move forwards by SECONDS")
    moves.add_argument("--next-slot", action="store_true", help="move to the next slot and run it")
    moves.add_argument("--until", type=_instant, metavar="ISO", help="move forwards to an instant")
    moves.add_argument("--reset", action="store_true", help="reset the mock to its fixtures, clock at wall time")
    moves.add_argument("--now", action="store_true", help="back to the wall clock, running, without a reset")
    moves.add_argument("--pause", action="store_true", help="freeze the clock where it is")
    moves.add_argument("--resume", action="store_true", help="let the clock follow the wall clock again")

    proxy = commands.add_parser(
        "proxy",
        help="stand between the admin app and a real backend, checking every exchange against the contract",
        description="A validating proxy: forward to --upstream, report where the backend departs from the contract.",
    )
    proxy.add_argument(
        "--upstream", required=True, metavar="URL", help="the real backend, e.g. https://staging.example"
    )
    proxy.add_argument("--host", default=DEFAULTS.host, help=f"address to listen on (default {DEFAULTS.host})")
    proxy.add_argument("--port", type=_port, default=DEFAULTS.port, help=f"port (default {DEFAULTS.port}, as the mock)")
    proxy.add_argument("--origin", action="append", dest="origins", metavar="URL", help="CORS origins, as for serve")
    proxy.add_argument("--allow-writes", action="store_true", help="forward writes too (default: refused, read-only)")
    proxy.add_argument("--report", metavar="PATH", help="write the violations as an HTML report on exit")
    proxy.add_argument("--overdue-grace", type=float, default=5.0, metavar="MINUTES", help="as for verify (5)")

    requests = commands.add_parser(
        "requests",
        help="print what a running mock was sent (the request journal)",
        description="One line per request to the contract's routes, with the reason for every 4xx.",
    )
    add_running_mock_options(requests)
    requests.add_argument("--follow", "-f", action="store_true", help="keep printing requests as they come")
    requests.add_argument("--method", help="only this method")
    requests.add_argument("--path", help="only paths that start with this")
    requests.add_argument("--operation-id", dest="operationId", help="only this operation")
    requests.add_argument("--status", help="only this status (404) or class (4xx)")
    requests.add_argument("--limit", type=_positive, default=50, help="at most the latest N at first (default 50)")

    verify = commands.add_parser(
        "verify",
        help="run the contract suite against a backend",
        description="Run the 27 contract cases (and the Schemathesis suite) against BASE_URL; read-only by default.",
    )
    add_target_options(verify)

    fuzz = commands.add_parser(
        "fuzz",
        help="run the Schemathesis property-based suite",
        description="Fuzz every operation of the contract (read-only against a live backend unless told).",
    )
    add_target_options(fuzz)
    fuzz.add_argument("--examples", type=_positive, default=100, help="examples per operation (default 100)")
    fuzz.add_argument("--seed", type=int, help="a Hypothesis seed, to reproduce a run")
    return parser


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
    from .resources import OPENAPI_DIR

    where = "/".join(str(part) for part in getattr(invalid, "absolute_path", ())) or "its top level"
    reason = " ".join(str(getattr(invalid, "message", invalid)).split())
    reason = reason if len(reason) <= 200 else reason[:200] + " ..."
    return f"a document in {OPENAPI_DIR} is not valid OpenAPI 3.0: at {where}: {reason}"


def _fail(command: str, reason: object) -> int:
    print(f"novunt-mock {command}: error: {reason}", file=sys.stderr, flush=True)
    return 2


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from connexion.exceptions import InvalidSpecification

    from .app import create_app

    listener = _log_in_background()
    logging.getLogger("connexion").setLevel(logging.WARNING)
    if args.quiet:
        logging.getLogger("mock_server.access").setLevel(logging.WARNING)
    try:
        settings = _settings_of(args)
        app = create_app(settings)
        sock = _bind(args.host, args.port)
    except InvalidSpecification as invalid:  # an edited openapi/ document: where and why, in one line
        listener.stop()
        return _fail("serve", invalid_document(invalid))
    except (StartupError, ConnectionError, ValueError, OSError) as refused:
        listener.stop()
        return _fail("serve", refused)
    clock = app.services.clock
    where = "memory" if not (settings.state_file or settings.mongo_uri) else settings.state_file or "MongoDB"
    print(
        f"Mock server on http://{args.host}:{args.port}  (clock {clock.now().isoformat()}, "
        f"{'frozen' if clock.frozen else 'real time'}; profile {settings.profile}; state in {where}; "
        "Swagger UI at /ui and /__mock/ui)",
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning"))
    try:
        server.run(sockets=[sock])
    finally:
        listener.stop()  # what is still queued is written first
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
    from .fixtures import load
    from .state_file import StateFile
    from .store import Store, connect

    if bool(args.mongo_uri) == bool(args.state_file):
        return _fail("reset", "give exactly one of --mongo-uri and --state-file")
    try:
        store = Store(connect(args.mongo_uri, DEFAULTS.database))
        store.reset(load(args.fixtures, args.profile))
        if args.state_file:
            StateFile(args.state_file, store).save_if_changed()
    except (ConnectionError, ValueError, OSError) as failed:
        return _fail("reset", failed)
    print(f"Reset {'the MongoDB database' if args.mongo_uri else args.state_file} to the fixtures ({args.profile})")
    return 0


CLOCK_MOVES = {  # option -> (path, body)
    "next_slot": ("/clock/advance", {"to": "next-slot"}),
    "reset": ("/reset", {}),
    "now": ("/clock/now", {}),
    "pause": ("/clock/pause", {}),
    "resume": ("/clock/resume", {}),
}


def clock(args: argparse.Namespace) -> int:
    import httpx

    headers = {"X-Mock-Control-Token": args.control_token} if args.control_token else {}
    client = httpx.Client(base_url=args.url.rstrip("/") + "/__mock", headers=headers, timeout=60)
    chosen = next((move for name, move in CLOCK_MOVES.items() if getattr(args, name)), None)
    try:
        if args.advance is not None:
            response = client.post("/clock/advance", json={"seconds": args.advance})
        elif args.until is not None:
            response = client.post("/clock/advance", json={"until": args.until.isoformat()})
        elif chosen is not None:
            response = client.post(chosen[0], json=chosen[1])
        else:
            response = client.get("/clock")
    except httpx.HTTPError as exc:
        print(f"novunt-mock clock: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(response.json(), indent=2))
    return 0 if response.is_success else 1


def proxy(args: argparse.Namespace) -> int:
    import uvicorn

    from . import proxy as validating

    origins = tuple(args.origins or DEFAULTS.origins)
    if "*" in origins:
        return _fail("proxy", "--origin '*' is refused: name each origin")
    if not urlsplit(args.upstream).scheme.startswith("http"):
        return _fail("proxy", f"--upstream {args.upstream!r} is not an http(s) URL")
    checker = validating.ValidatingProxy(
        args.upstream,
        allow_writes=args.allow_writes,
        grace=args.overdue_grace,
        say=lambda line: print(line, flush=True),
    )

    def on_exit() -> None:
        print(f"{len(checker.violations)} violation(s) over {len(checker.journal.entries())} exchange(s)", flush=True)
        if args.report:
            validating.report(checker, args.report)
            print(f"report: {args.report}", flush=True)

    try:
        sock = _bind(args.host, args.port)
    except StartupError as refused:
        return _fail("proxy", refused)
    mode = "reads and writes" if args.allow_writes else "read-only"
    print(f"Validating proxy on http://{args.host}:{args.port} -> {args.upstream} ({mode})", flush=True)
    app = validating.build_proxy(checker, origins, on_exit)
    uvicorn.Server(uvicorn.Config(app, access_log=False, log_level="warning")).run(sockets=[sock])
    return 0


def requests(args: argparse.Namespace) -> int:
    import httpx

    from .journal import one_line
    from .journal_client import RequestJournal

    journal = RequestJournal(args.url, args.control_token)
    filters = {"method": args.method, "path": args.path, "operationId": args.operationId, "status": args.status}
    last, limit = 0, args.limit
    try:
        while True:
            for entry in journal.find(**filters, since=last, limit=limit):
                print(one_line(entry), flush=True)
                last = entry["id"]
            if not args.follow:
                return 0
            limit = None
            time.sleep(0.5)
    except httpx.HTTPError as failed:
        print(f"novunt-mock requests: cannot read the journal at {args.url}: {failed}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


def _is_mock(url: str) -> bool:
    """Whether ``url`` is one of these mocks (its /__mock/ control API answers)."""
    import httpx

    try:
        answer = httpx.get(url.rstrip("/") + "/__mock/clock", timeout=10)
        return answer.status_code == 200 and {"now", "frozen"} <= set(answer.json())
    except (httpx.HTTPError, ValueError, TypeError):
        return False


def _suite_arguments(args: argparse.Namespace, package: str) -> list[str] | int:
    """pytest's argv for a suite run, or an exit status when the target cannot be used."""
    from contract_tests.plugin import unreachable

    argv = ["--pyargs", package, "-p", "no:cacheprovider"]
    if args.base_url:
        why = unreachable(args.base_url)
        if why:
            print(f"novunt-mock {args.command}: {why}", file=sys.stderr)
            return 2
        if not args.as_live and _is_mock(args.base_url):
            print(
                f"novunt-mock {args.command}: {args.base_url} is a novunt mock (its /__mock/ API answers): running "
                "the mock profile, which resets its state. Pass --as-live to check it as a live backend.",
                file=sys.stderr,
            )
            argv += ["--mock-url", args.base_url]
        else:
            argv += ["--base-url", args.base_url]
    options = (
        ("--token", args.token),
        ("--totp-secret", args.totp_secret),
        ("--non-admin-token", args.non_admin_token),
        ("--junitxml", args.junitxml),
        ("--contract-report", args.report),
        ("-k", args.keyword),
        ("--overdue-grace", None if args.overdue_grace is None else str(args.overdue_grace)),
    )
    for flag, value in options:
        if value:
            argv += [flag, value]
    flags = (
        ("--allow-writes", args.allow_writes),
        ("--allow-distribution", args.allow_distribution),
        ("--contract-strict", args.strict),
        ("--serve-mock", args.serve_mock),
        ("-x", args.exitfirst),
    )
    argv += [flag for flag, given in flags if given]
    return argv + list(args.pytest_args)


def _run_suite(args: argparse.Namespace, package: str, *extra: str) -> int:
    import pytest

    argv = _suite_arguments(args, package)
    if isinstance(argv, int):
        return argv
    if args.parallel_reads is not None:
        os.environ["CONTRACT_PARALLEL_READS"] = str(args.parallel_reads)
    return int(pytest.main([*argv, *extra]))


def verify(args: argparse.Namespace) -> int:
    return _run_suite(args, "contract_tests")


def fuzz(args: argparse.Namespace) -> int:
    os.environ["CONTRACT_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ.setdefault("CONTRACT_FUZZ_METHODS", "all")  # the deeper run: every undeclared method (on a mock)
    return _run_suite(
        args, "contract_tests.fuzz", *([f"--hypothesis-seed={args.seed}"] if args.seed is not None else [])
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passed: list[str] = []
    if "--" in argv:  # everything after -- goes to pytest as it is
        at = argv.index("--")
        argv, passed = argv[:at], argv[at + 1 :]
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command not in ("verify", "fuzz"):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.pytest_args = [*unknown, *passed]
    commands = {"serve": serve, "clock": clock, "requests": requests, "proxy": proxy, "verify": verify, "fuzz": fuzz,
                "reset": reset}  # fmt: skip
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
