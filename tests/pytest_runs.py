"""Short pytest runs of the contract suite, each in a process of its own, forked from one that has
already imported the suite's dependencies (``tests/preloaded.py``) instead of a new interpreter
importing them again: about 1.5 s a run, and the mutation check and the planted faults make
twenty-two runs.

A run's process is still new and still its own: ``mock_server`` and ``contract_tests`` are never
preloaded (a mutant's run imports its own copy of the mock), and each run gets its working
directory, environment and first ``sys.path`` entries as a subprocess would.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .preloaded import run_module


class Run:
    """One pytest run: its arguments, working directory, extra environment and extra import paths."""

    def __init__(self, args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, path: Iterable[Path] = ()):
        self.args = list(args)
        self.cwd = str(cwd)
        self.env = dict(env or {})
        self.path = [str(p) for p in path]


def run_all(runs: Sequence[Run], workers: int = 2) -> list[subprocess.CompletedProcess]:
    """The runs, ``workers`` at a time, each in a fresh process; their exit codes and output (stdout
    and stderr as one)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:  # each thread waits on its forked process
        return list(pool.map(_pytest, runs))


def run_one(run: Run) -> subprocess.CompletedProcess:
    return run_all([run], workers=1)[0]


def _pytest(run: Run) -> subprocess.CompletedProcess:
    """``python -m pytest ARGS`` in the run's place, forked from the preloaded interpreter."""
    done = run_module("pytest", run.args, cwd=run.cwd, env=run.env, path=run.path, together=True)
    return subprocess.CompletedProcess(["pytest", *run.args], done.returncode, stdout=done.stdout, stderr="")
