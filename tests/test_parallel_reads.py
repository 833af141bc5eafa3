"""`verify` against a slow backend: read-only, the fuzz sends independent reads side by side, never
more at once than asked (``CONTRACT_PARALLEL_READS``); with writes allowed, one at a time. Proven on a
mock served with ``--latency``, checked as a live backend, by its own request journal. (With writes
allowed the fuzz runs one operation at a time: ``test_fuzz_every_operation``; not timed here, it would
take the whole run at the injected latency.)"""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import httpx

from .proof.test_live_safety import SECRET, token
from .pytest_runs import Run, run_one

SLACK = 0.015  # a server thread preempted between measuring and stamping is not an overlap
LATENCY_MS = 60  # enough for requests to overlap measurably, little enough for make test


def most_at_once(url: str) -> int:
    """The most requests the mock was answering at the same moment (from its journal)."""
    records = httpx.get(f"{url}/__mock/requests", params={"limit": 1000}).json()["requests"]
    edges = []
    for record in records:
        if record["path"].startswith("/__mock"):
            continue
        end = datetime.fromisoformat(record["wallTime"].replace("Z", "+00:00")).timestamp()
        # the journal stamps its wall time after the fact, to the millisecond: SLACK off each end, so that a
        # request that followed another on the same connection is not counted as beside it
        edges += [(end - record["latencyMs"] / 1000 + SLACK, 1), (end - SLACK, -1)]
    busy = peak = 0
    for _, step in sorted(edges, key=lambda edge: (edge[0], edge[1])):  # an end before a start at one instant
        busy += step
        peak = max(peak, busy)
    return peak


def fuzz(url: str, parallel: int, *mode: str) -> subprocess.CompletedProcess:
    args = [
        "--pyargs", "contract_tests.fuzz", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=1", "--base-url", url,
        "--token", token(url, "admin"), "--totp-secret", SECRET, "-k", "every_operation", *mode,
    ]  # fmt: skip
    settings = {"CONTRACT_FUZZ_EXAMPLES": "1", "CONTRACT_PARALLEL_READS": str(parallel)}
    return run_one(Run(args, Path.cwd(), settings))


def test_read_only_fuzz_reads_side_by_side_and_never_more_than_asked(serve):
    url, _log = serve("--latency", str(LATENCY_MS), "--journal-size", "10000")
    run = fuzz(url, 3)
    assert run.returncode == 0, run.stdout[-3000:]
    peak = most_at_once(url)
    assert 1 < peak <= 3, f"at most 3 reads at once were asked for; the mock answered {peak} at once"
