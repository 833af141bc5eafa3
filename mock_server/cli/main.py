"""``novunt-mock``: serve the mock, move a running mock's clock, verify a backend against the contract.

This module is the command line (its options and which module does each command); the commands are
in ``serve`` (serve, proxy, reset), ``remote`` (clock, requests), ``scenario`` (scenario)
and ``suite`` (verify, fuzz).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import datetime
from pathlib import Path

from ..domain.schedule import parse_iso
from ..engine.clock import within_bounds
from ..state.fixtures import PROFILES
from .common import DEFAULT_URL, DEFAULTS
from .suite import verify_description

# Each command, by the module that does it: cli_serve starts servers, cli_remote talks to a running
# mock, cli_suite runs the contract suite. Imported when chosen (serve need not import pytest).
COMMANDS = {
    "serve": "serve", "reset": "serve", "proxy": "serve",
    "clock": "remote", "requests": "remote", "scenario": "scenario",
    "verify": "suite", "fuzz": "suite",
}  # fmt: skip


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


def _instant_text(text: str) -> str:
    """An instant as the control API takes it (checked as ``--start-time`` is), or ``now``."""
    if text != "now":
        _instant(text)
    return text


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
    parser.add_argument(
        "--admin-identifier",
        help="an admin's email or username, for the live sign-in checks (env CONTRACT_ADMIN_IDENTIFIER)",
    )
    parser.add_argument(
        "--admin-password", help="that admin's password (env CONTRACT_ADMIN_PASSWORD; masked in every output)"
    )
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
    parser.add_argument("--url", help=f"the running mock (default: $MOCK_URL, else {DEFAULT_URL})")
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
    serve.add_argument(
        "--scenario",
        metavar="NAME|FILE",
        help="start in this scenario: a built-in one (novunt-mock scenario --list) or a scenario file; "
        "--start-time moves its start",
    )
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
    moves.add_argument(
        "--reset", action="store_true", help="reset the mock to its fixtures, the clock on the wall clock, running"
    )
    moves.add_argument("--now", action="store_true", help="back to the wall clock, running, without a reset")
    moves.add_argument("--pause", action="store_true", help="freeze the clock where it is")
    moves.add_argument("--resume", action="store_true", help="let the clock follow the wall clock again")

    scenario = commands.add_parser(
        "scenario",
        help="build a scenario on a running mock (a state of the admin pages)",
        description="Reset a running mock and build a scenario: a built-in one by name, or a scenario file.",
    )
    scenario.add_argument("scenario", nargs="?", metavar="NAME|FILE", help="a built-in scenario, or a YAML file")
    add_running_mock_options(scenario)
    scenario.add_argument("--list", action="store_true", help="list the built-in scenarios")
    scenario.add_argument("--start", type=_instant_text, metavar="ISO", help="build it from this instant instead")

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
        description=verify_description(),
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
    commands.add_parser("watch", add_help=False, help="watch a backend through the day, read-only, with alerts "
                        "(contract_tests.watch; see novunt-mock watch --help)")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["watch"]:  # its options are its own: contract_tests.watch, handed the rest whole
        from contract_tests.watch import main as watch

        return watch(argv[1:], prog="novunt-mock watch")
    passed: list[str] = []
    if "--" in argv:  # everything after -- goes to pytest as it is
        at = argv.index("--")
        argv, passed = argv[:at], argv[at + 1 :]
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command not in ("verify", "fuzz"):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.pytest_args = [*unknown, *passed]
    command = getattr(importlib.import_module(f".{COMMANDS[args.command]}", __package__), args.command)
    try:
        return command(args)
    except KeyboardInterrupt:  # Ctrl-C: the command stops, without a traceback
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
