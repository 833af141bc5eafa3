"""``python -m contract_tests.watch URL ...`` (also ``novunt-mock watch``): its options, its outputs, the
signals that end it with the summary and the report, and its exit status."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx

from ..oracle import parse_instant
from ..redaction import Secrets
from .metrics import Metrics
from .pacing import duration
from .reading import Reader
from .report import Report
from .sinks import Console, JsonLines, Output
from .watcher import Options, Watcher
from .webhook import Webhook

DESCRIPTION = (
    "Watch a backend through the day, read-only (GETs only): the contract suite's read-only monitors "
    "(TC16, TC21, TC22, TC24, TC27, every answer against the contract) and what only watching shows "
    "(slots FAILED, stuck, going back, amounts changing, days ending with a slot never run, /cron-status "
    "against the schedule, the target down, 5xx or slow), one line when a problem starts and one when it "
    "clears. Exit status (with --once, --for, --until or a signal): 0 clean, 1 when any alert fired, "
    "2 when the target never answered."
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _duration(text: str) -> float:
    try:
        return duration(text)
    except ValueError as failed:
        raise argparse.ArgumentTypeError(str(failed)) from None


def _instant(text: str) -> datetime:
    try:
        return parse_instant(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"an ISO 8601 instant with its offset, not {text!r}") from None


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"minutes, 0 or more, not {text!r}")
    return value


def build_parser(prog: str = "watch") -> Parser:
    parser = Parser(prog=prog, description=DESCRIPTION)
    parser.add_argument("url", metavar="URL", help="the backend (a novunt mock: watched on its clock)")
    parser.add_argument("--token", default=os.environ.get("CONTRACT_TOKEN"),
                        help="an admin bearer token (env CONTRACT_TOKEN); without one, /cron-status only")  # fmt: skip
    parser.add_argument("--every", type=_duration, default=60.0, metavar="DURATION", help="between polls (60s)")
    ending = parser.add_mutually_exclusive_group()
    ending.add_argument("--once", action="store_true", help="one poll, then the summary")
    ending.add_argument("--for", dest="for_", type=_duration, metavar="DURATION", help="watch this long (24h)")
    ending.add_argument("--until", type=_instant, metavar="ISO", help="until the target's clock reaches this instant")
    parser.add_argument("--jsonl", type=Path, metavar="FILE", help="append one JSON object per event here")
    parser.add_argument("--webhook", default=os.environ.get("WATCH_WEBHOOK_URL"), metavar="URL",
                        help="POST each alert and clear here as JSON (env WATCH_WEBHOOK_URL)")  # fmt: skip
    parser.add_argument("--metrics-port", type=int, metavar="N", help="serve Prometheus metrics on this port")
    parser.add_argument("--metrics-host", default="127.0.0.1", metavar="HOST", help="... on this address (127.0.0.1)")
    parser.add_argument("--report", type=Path, metavar="FILE.html", help="write the run's HTML report here on exit")
    parser.add_argument("--overdue-grace", type=_minutes, default=5.0, metavar="M", help="TC24's grace (5 minutes)")
    parser.add_argument(
        "--stuck-after", type=_minutes, default=10.0, metavar="M", help="EXECUTING longer is stuck (10)"
    )
    parser.add_argument("--slow-ms", type=float, default=2000.0, metavar="N", help="a read slower is slow (2000)")
    return parser


def outputs_of(args: argparse.Namespace, secrets: Secrets) -> tuple[list[Output], Metrics | None, Report | None]:
    outputs: list[Output] = [Console()]
    if args.jsonl:
        outputs.append(JsonLines(args.jsonl))
    if args.webhook:
        secrets.remember(args.webhook)  # a Slack webhook's URL is its credential
        outputs.append(Webhook(args.webhook, scrub=secrets.scrub))
    metrics = Metrics(args.metrics_port, args.metrics_host) if args.metrics_port is not None else None
    report = Report(args.report, args.url, secrets.scrub) if args.report else None
    return outputs, metrics, report


def main(argv: list[str] | None = None, prog: str = "watch") -> int:
    args = build_parser(prog).parse_args(argv)
    if not args.url.startswith(("http://", "https://")):
        print(f"{prog}: error: {args.url!r} is not an http(s) URL", file=sys.stderr)
        return 2
    secrets = Secrets()
    secrets.remember(args.token, httpx.URL(args.url).password)  # a password in the URL is one too
    try:
        outputs, metrics, report = outputs_of(args, secrets)
    except OSError as failed:  # a --jsonl folder missing, a --metrics-port in use
        print(secrets.scrub(f"{prog}: error: {failed}"), file=sys.stderr)
        return 2
    options = Options(args.every, args.stuck_after, args.overdue_grace, args.slow_ms)
    reader = Reader.connect(args.url, args.token, secrets)
    watcher = Watcher(reader, options, target=args.url, outputs=outputs, metrics=metrics, report=report)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():  # SIGINT, SIGTERM: the summary and the report
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    watcher.start()
    deadline = time.monotonic() + args.for_ if args.for_ else None
    watcher.run(stop.wait, once=args.once, deadline=deadline, until=args.until)
    return watcher.finish()
