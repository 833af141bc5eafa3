"""The commands that talk to a running mock: ``clock`` and ``requests``.

Where the mock is: ``--url``, else ``MOCK_URL`` (the variable the ``mock_requests`` fixture reads),
else http://127.0.0.1:5000. A refusal, the mock's or the network's, is one line on stderr naming
what to fix, and exit status 2, as a start-up error is.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlsplit

import httpx

from .common import DEFAULT_URL, fail


class Refused(Exception):
    """Why a running mock could not be used, in one line."""


def mock_url(args: argparse.Namespace) -> str:
    """``--url``, else ``MOCK_URL``, else the default; refused when it is not an http(s) URL."""
    url = (args.url or os.environ.get("MOCK_URL") or DEFAULT_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        given = "--url" if args.url else "MOCK_URL"
        raise Refused(f"{given} {url!r} is not an http(s) URL such as {DEFAULT_URL}")
    return url


def refusal(response: httpx.Response) -> str:
    """The mock's reason for a refusal (its error envelope's message), with the status."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f"{message or response.reason_phrase} ({response.status_code})"


def unreachable(url: str, failed: httpx.HTTPError) -> str:
    reason = str(failed) or type(failed).__name__
    if isinstance(failed, httpx.ConnectError):
        reason = f"nothing answers there ({reason}): start it with novunt-mock serve, or give --url or MOCK_URL"
    return f"cannot reach the mock at {url}: {reason}"


def ask(command: str, url: str, client: httpx.Client, method: str, path: str, body: dict | None) -> dict | int:
    """A control call to the running mock: its JSON answer, or (the mock unreachable or refusing)
    the exit status after one line on stderr."""
    try:
        response = client.request(method, path, json=body)
    except httpx.HTTPError as failed:
        return fail(command, unreachable(url, failed))
    if not response.is_success:
        return fail(command, refusal(response))
    return response.json()


def control_client(args: argparse.Namespace) -> tuple[str, httpx.Client]:
    url = mock_url(args)
    headers = {"X-Mock-Control-Token": args.control_token} if args.control_token else {}
    return url, httpx.Client(base_url=f"{url}/__mock", headers=headers, timeout=60)


CLOCK_MOVES = {  # option -> (path, body)
    "next_slot": ("/clock/advance", {"to": "next-slot"}),
    "reset": ("/reset", {"frozen": False}),  # the fixtures, on the wall clock, running
    "now": ("/clock/now", {}),
    "pause": ("/clock/pause", {}),
    "resume": ("/clock/resume", {}),
}


def clock_request(args: argparse.Namespace) -> tuple[str, str, dict | None]:
    """The method, control path and body of what ``clock`` was asked."""
    if args.advance is not None:
        return "POST", "/clock/advance", {"seconds": args.advance}
    if args.until is not None:
        return "POST", "/clock/advance", {"until": args.until.isoformat()}
    chosen = next((move for name, move in CLOCK_MOVES.items() if getattr(args, name)), None)
    if chosen is not None:
        return "POST", chosen[0], chosen[1]
    return "GET", "/clock", None


def clock(args: argparse.Namespace) -> int:
    try:
        url, client = control_client(args)
    except Refused as refused:
        return fail("clock", refused)
    answer = ask("clock", url, client, *clock_request(args))
    if isinstance(answer, int):
        return answer
    print(json.dumps(answer, indent=2), flush=True)
    if answer.get("note"):  # a move that ran nothing says why, as the last line
        print(f"novunt-mock clock: {answer['note']}", file=sys.stderr, flush=True)
    return 0


def requests(args: argparse.Namespace) -> int:
    from ..http.journal import one_line
    from ..tools.journal_client import RequestJournal

    try:
        url = mock_url(args)
    except Refused as refused:
        return fail("requests", refused)
    journal = RequestJournal(url, args.control_token)
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
    except httpx.HTTPStatusError as refused:
        return fail("requests", refusal(refused.response))
    except httpx.HTTPError as failed:
        return fail("requests", unreachable(url, failed))
    except KeyboardInterrupt:
        return 0
