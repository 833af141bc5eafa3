"""Processes of the tests forked from one interpreter that has already imported the third-party
packages they use (``multiprocessing``'s forkserver, one per test process), instead of a new
interpreter importing them again each time: a served mock is up after 0.15 s of CPU instead of
0.6 s, a proxy 0.12 s instead of 0.5 s, and the tests start about forty of them.

A forked process is still new and its own: ``mock_server``, ``contract_tests`` and ``tests`` are
never preloaded (each process imports its own copy, as a subprocess would), and it gets its working
directory and command line as a subprocess would. The tests whose subject is the command's own
start-up (``test_state_and_restarts``, ``test_cli``'s bad arguments, the HTTP pass of ``make test``)
still start a new interpreter the user's way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from multiprocessing.context import ForkServerContext
from pathlib import Path

# Third-party packages only: what the suite, the mock and the proxy import first, with the pytest
# plugins they install (Schemathesis' alone took 0.3 s of each pytest run).
PRELOADED = [
    "pytest", "_pytest.terminal", "hypothesis", "httpx", "requests", "jwt", "pyotp", "yaml", "jsonschema",
    "connexion", "starlette", "mongomock", "pymongo", "uvicorn",
    "schemathesis", "schemathesis.pytest.plugin", "_hypothesis_pytestplugin", "anyio.pytest_plugin",
]  # fmt: skip
# pytest cannot rewrite the asserts of a module already imported and says so; the preloaded ones have
# none of ours, so the pytest runs in forked processes hide that warning.
ALREADY_IMPORTED = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]


def context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


class Forked:
    """``python -m MODULE ARGS`` in a forked process, stdout to ``output`` and stderr to ``errors`` (the
    same file unless given), with ``env`` added to its environment and ``path`` before its import paths:
    the part of ``subprocess.Popen`` the tests use. Daemonic: a test process that ends takes it with it."""

    def __init__(
        self,
        module: str,
        args: Sequence[str],
        output: Path,
        cwd: Path | None = None,
        errors: Path | None = None,
        env: dict[str, str] | None = None,
        path: Iterable[str] = (),
    ) -> None:
        self.args = [module, *args]
        where = str(cwd or Path.cwd())
        streams = (str(output), str(errors or output))
        for stream in streams:  # there from the start, even for a process that fails before writing
            Path(stream).touch()
        place = (where, dict(env or {}), [str(entry) for entry in path])
        self._process = context().Process(target=_run_module, args=(module, list(args), streams, place), daemon=True)
        self._process.start()
        self.pid = self._process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._process.exitcode

    def send_signal(self, signal: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signal)

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()


def run_module(
    module: str,
    args: Sequence[str],
    cwd: Path | str | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
    path: Iterable[str] = (),
    together: bool = False,
) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS``, forked, to its end: its exit code, stdout and stderr as text (with
    ``together``, both in stdout, interleaved as written). A pytest it runs is told that the preloaded
    plugins could not have their asserts rewritten (they have none of ours): it would say so in every run."""
    quiet = " ".join([os.environ.get("PYTEST_ADDOPTS", ""), *ALREADY_IMPORTED]).strip()
    with tempfile.TemporaryDirectory(prefix="forked-") as folder:
        out, err = Path(folder) / "stdout", None if together else Path(folder) / "stderr"
        environment = {"PYTEST_ADDOPTS": quiet, **(env or {})}
        process = Forked(module, args, out, cwd=Path(cwd) if cwd else None, errors=err, env=environment, path=path)
        try:
            code = process.wait(timeout)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        errors = err.read_text(errors="replace") if err else ""
        return subprocess.CompletedProcess(process.args, code, out.read_text(errors="replace"), errors)


def _run_module(
    module: str, args: list[str], streams: tuple[str, str], place: tuple[str, dict[str, str], list[str]]
) -> None:
    """In the forked process: its place (working directory, environment, first import paths) and
    output, its command line, then the module as ``-m`` runs it."""
    # What the fork inherited (the preloaded packages) is left out of this process's garbage
    # collections: walking it wrote to every page shared with the forkserver (each one then copied)
    # and took a fifth of a short pytest run's CPU.
    gc.freeze()
    cwd, env, path = place
    os.chdir(cwd)
    os.environ.update(env)
    sys.path[:0] = path
    for descriptor, path in zip((1, 2), streams, strict=True):
        sink = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(sink, descriptor)
        os.close(sink)
    sys.stdout.reconfigure(line_buffering=True)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
