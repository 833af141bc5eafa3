"""The commands that run the contract suite: ``verify`` and ``fuzz``.

On a URL where one of these mocks answers (its ``/__mock/`` API), the suite runs the mock profile,
which resets the mock and moves its clock (the cases freeze it at their own instant); the suite then
leaves it as a developer finds a fresh start (the fixtures loaded, the clock on the wall clock,
running) and says so in one line (``contract_tests.leave_as_found``).

Before pytest starts, this process looks at the target with the standard library's HTTP client only:
a pytest plugin imported first (httpx brings anyio's) could not have its asserts rewritten.
"""

from __future__ import annotations

import argparse
import os
import sys


def verify_description() -> str:
    """``verify --help``'s first words, with the cases counted from the suite's catalogue."""
    from contract_tests.catalogue import CASES

    listed = {kind: sorted(case for case in CASES if case.startswith(kind)) for kind in ("TC", "TX")}
    tc, tx = listed["TC"], listed["TX"]
    return (
        f"Run the {len(CASES)} contract cases ({tc[0]}-{tc[-1]}, the {len(tc)} of shared/TEST_CASES.md, and "
        f"{tx[0]}-{tx[-1]}, {len(tx)} for the admin app's other calls) and the Schemathesis suite against BASE_URL "
        "(default: an in-process mock); read-only by default."
    )


def is_mock(url: str) -> bool:
    """Whether ``url`` is one of these mocks (its /__mock/ control API answers)."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/__mock/clock", timeout=10) as answer:
            return answer.status == 200 and {"now", "frozen"} <= set(json.load(answer))
    except (OSError, ValueError, TypeError):  # urllib's errors are OSErrors; a body that is no JSON object
        return False


def suite_arguments(args: argparse.Namespace, package: str) -> list[str] | int:
    """pytest's argv for a suite run, or an exit status when the target cannot be used."""
    from contract_tests.reachability import unreachable

    argv = ["--pyargs", package, "-p", "no:cacheprovider"]
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


def run_suite(args: argparse.Namespace, package: str, *extra: str) -> int:
    import pytest

    argv = suite_arguments(args, package)
    if isinstance(argv, int):
        return argv
    if args.parallel_reads is not None:
        os.environ["CONTRACT_PARALLEL_READS"] = str(args.parallel_reads)
    return int(pytest.main([*argv, *extra]))


def verify(args: argparse.Namespace) -> int:
    return run_suite(args, "contract_tests")


def fuzz(args: argparse.Namespace) -> int:
    os.environ["CONTRACT_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ.setdefault("CONTRACT_FUZZ_METHODS", "all")  # the deeper run: every undeclared method (on a mock)
    return run_suite(
        args, "contract_tests.fuzz", *([f"--hypothesis-seed={args.seed}"] if args.seed is not None else [])
    )
