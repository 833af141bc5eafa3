"""The commands that run the contract suite: ``verify`` and ``fuzz``.

On a URL where one of these mocks answers (its ``/__mock/`` API), the suite runs the mock profile,
which resets the mock and moves its clock (the cases freeze it at their own instant); ``verify``
then leaves it as a developer finds a fresh start: the fixtures loaded, the clock on the wall clock,
running, and says so in one line.
"""

from __future__ import annotations

import argparse
import os
import sys


def is_mock(url: str) -> bool:
    """Whether ``url`` is one of these mocks (its /__mock/ control API answers)."""
    import httpx

    try:
        answer = httpx.get(url.rstrip("/") + "/__mock/clock", timeout=10)
        return answer.status_code == 200 and {"now", "frozen"} <= set(answer.json())
    except (httpx.HTTPError, ValueError, TypeError):
        return False


def suite_arguments(args: argparse.Namespace, package: str) -> list[str] | int:
    """pytest's argv for a suite run, or an exit status when the target cannot be used."""
    from contract_tests.plugin import unreachable

    # This process imported httpx (and so anyio) to look at the target before pytest starts: pytest
    # cannot rewrite the asserts of anyio's plugin, which has none of ours, and would say so every run.
    argv = ["--pyargs", package, "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    if args.base_url:
        why = unreachable(args.base_url)
        if why:
            print(f"novunt-mock {args.command}: {why}", file=sys.stderr)
            return 2
        if not args.as_live and is_mock(args.base_url):
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
        ("--admin-identifier", args.admin_identifier),
        ("--junitxml", args.junitxml),
        ("--contract-report", args.report),
        ("-k", args.keyword),
        ("--overdue-grace", None if args.overdue_grace is None else str(args.overdue_grace)),
    )
    for flag, value in options:
        if value:
            argv += [flag, value]
    if args.admin_password:  # one argument: a password may start with "-"
        argv.append(f"--admin-password={args.admin_password}")
    flags = (
        ("--allow-writes", args.allow_writes),
        ("--allow-distribution", args.allow_distribution),
        ("--contract-strict", args.strict),
        ("--serve-mock", args.serve_mock),
        ("-x", args.exitfirst),
    )
    argv += [flag for flag, given in flags if given]
    return argv + list(args.pytest_args)


def leave_as_found(command: str, url: str, control_token: str | None) -> None:
    """A served mock the mock profile ran on, put back to the fixtures on the wall clock, running
    (the cases left it frozen on their own day, where tokens minted now would expire when the clock
    went back), said in one line."""
    import httpx

    headers = {"X-Mock-Control-Token": control_token} if control_token else {}
    try:
        answer = httpx.post(f"{url.rstrip('/')}/__mock/reset", json={"frozen": False}, headers=headers, timeout=30)
        answer.raise_for_status()
        clock = answer.json()
    except (httpx.HTTPError, ValueError) as failed:
        print(f"novunt-mock {command}: could not reset the mock at {url} afterwards: {failed}", file=sys.stderr)
        return
    print(
        f"novunt-mock {command}: left the mock at {url} reset to its fixtures, its clock on the wall clock "
        f"({clock.get('now')}), {'frozen' if clock.get('frozen') else 'running'}",
        file=sys.stderr,
        flush=True,
    )


def run_suite(args: argparse.Namespace, package: str, *extra: str) -> int:
    import pytest

    argv = suite_arguments(args, package)
    if isinstance(argv, int):
        return argv
    if args.parallel_reads is not None:
        os.environ["CONTRACT_PARALLEL_READS"] = str(args.parallel_reads)
    try:
        return int(pytest.main([*argv, *extra]))
    finally:
        if "--mock-url" in argv:
            leave_as_found(args.command, args.base_url, os.environ.get("MOCK_CONTROL_TOKEN"))


def verify(args: argparse.Namespace) -> int:
    return run_suite(args, "contract_tests")


def fuzz(args: argparse.Namespace) -> int:
    os.environ["CONTRACT_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ.setdefault("CONTRACT_FUZZ_METHODS", "all")  # the deeper run: every undeclared method (on a mock)
    return run_suite(
        args, "contract_tests.fuzz", *([f"--hypothesis-seed={args.seed}"] if args.seed is not None else [])
    )
