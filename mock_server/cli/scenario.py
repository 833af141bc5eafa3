"""``novunt-mock scenario NAME|FILE``: build a scenario on a running mock (``--list``: the built-in ones).

A built-in name is built by name (``POST /__mock/scenarios/NAME``); a file is read here and its
content sent (``POST /__mock/scenarios``), where it is checked and built. A refusal, the file's,
the mock's or the network's, is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json

from ..scenarios.files import ScenarioError, builtin, parse
from .common import fail
from .remote import Refused, ask, control_client


def scenario_request(args: argparse.Namespace) -> tuple[str, str, dict | None]:
    """The method, control path and body of what ``scenario`` was asked."""
    if args.list:
        return "GET", "/scenarios", None
    if not args.scenario:
        raise ScenarioError("name a scenario (one of " + ", ".join(builtin()) + ") or a file, or give --list")
    options = {"start": args.start} if args.start else {}
    if args.scenario in builtin():
        return "POST", f"/scenarios/{args.scenario}", options
    try:
        with open(args.scenario, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as unreadable:
        known = ", ".join(builtin())
        reason = getattr(unreadable, "strerror", None) or unreadable
        raise ScenarioError(f"{args.scenario}: no such built-in scenario ({known}) and no file ({reason})") from None
    content = parse(text, args.scenario)
    if args.start:
        content["start"] = args.start
    return "POST", "/scenarios", json.loads(json.dumps(content, default=str))


def listing(scenarios: list[dict]) -> str:
    width = max(len(s["name"]) for s in scenarios)
    return "\n".join(f"{s['name']:<{width}}  {s['profile']:<7}  {s['title']} · {s['page']}" for s in scenarios)


def scenario(args: argparse.Namespace) -> int:
    try:
        url, client = control_client(args)
        method, path, body = scenario_request(args)
    except (Refused, ScenarioError) as refused:
        return fail("scenario", refused)
    answer = ask("scenario", url, client, method, path, body)
    if isinstance(answer, int):
        return answer
    if args.list:
        print(listing(answer["scenarios"]), flush=True)
        return 0
    clock = "frozen" if answer["frozen"] else "running"
    name = answer.get("name", args.scenario)
    print(
        f"Built {name}: {answer['title']} ({answer['steps']} steps); the clock at {answer['now']}, {clock}", flush=True
    )
    return 0
