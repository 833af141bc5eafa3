"""Short pytest runs of the contract suite, each in a process of its own, forked from one that has
already imported the suite's dependencies (``tests/preloaded.py``) instead of a new interpreter
importing them again: about 1.5 s a run, and the mutation check and the planted faults make
twenty-two runs.

A run's process is still new and still its own: ``mock_server`` and ``contract_tests`` are never
preloaded (a mutant's run imports its own copy of the mock), and each run gets its working
directory, environment and first ``sys.path`` entries as a subprocess would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .preloaded import ALREADY_IMPORTED, context


class Run:
    """One pytest run: its arguments, working directory, extra environment and extra import paths."""

    def __init__(self, args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, path: Iterable[Path] = ()):
        self.args = list(args)
        self.cwd = str(cwd)
        self.env = dict(env or {})
        self.path = [str(p) for p in path]


def run_all(runs: Sequence[Run], workers: int = 2) -> list[subprocess.CompletedProcess]:
    """The runs, ``workers`` at a time, each in a fresh process; their exit codes and output."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=context(), max_tasks_per_child=1) as pool:
        done = list(pool.map(_pytest, runs))
    return [
        subprocess.CompletedProcess(["pytest", *run.args], code, stdout=output, stderr="")
        for run, (code, output) in zip(runs, done, strict=True)
    ]


def run_one(run: Run) -> subprocess.CompletedProcess:
    return run_all([run], workers=1)[0]


def _pytest(run: Run) -> tuple[int, str]:
    """In the forked process: the run's place, environment and paths, then pytest, its output (stdout
    and stderr, as one) read back from a file its descriptors pointed to."""
    os.chdir(run.cwd)
    os.environ.update(run.env)
    sys.path[:0] = run.path
    with tempfile.TemporaryFile() as sink:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            import pytest

            code = int(pytest.main([*run.args, *ALREADY_IMPORTED]))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        sink.seek(0)
        return code, sink.read().decode("utf-8", "replace")
