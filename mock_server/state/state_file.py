"""``--state-file``: the embedded store kept on disk, so a restart (even ``kill -9``) loses nothing.

Before the answer of every request that changed something (and after every real-time tick that did),
the whole store is written to a temporary file beside the state file, flushed to disk and renamed
over it: a reader (the next start) sees the previous state or the new one, never half of one.
At start, an existing file is loaded instead of the fixtures. The simulated clock is kept with the
state (a frozen clock's instant, a running clock's offset from the wall clock) and restored with it
unless ``--start-time`` is given: a state whose days ran ahead of the wall clock is not put behind
them (its future day COMPLETED in the history while today's status shows EMPTY and a queue is
refused).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Protocol

from bson import json_util

from .store import Store


class Clock(Protocol):
    """What the state file keeps of the simulated clock (``engine.clock.Clock`` is one): the state sits
    below the engine, so it names only the two calls it makes."""

    def snapshot(self) -> dict: ...

    def restore(self, saved: dict) -> None: ...


class StateFile:
    def __init__(self, path: Path, store: Store, clock: Clock | None = None) -> None:
        self.path = path
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._saved: tuple[int, dict | None] = (-1, None)

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self, *, with_clock: bool = True) -> None:
        """Replace the store's content by the file's, and the clock by its clock unless told not to
        (raises ValueError on a file that is not one)."""
        try:
            snapshot = json_util.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as broken:
            raise ValueError(f"--state-file {self.path}: not a state file this mock wrote ({broken})") from None
        if not isinstance(snapshot, dict) or snapshot.get("format") != 1:
            raise ValueError(f"--state-file {self.path}: not a state file this mock wrote")
        self.store.restore(snapshot["collections"])
        saved_clock = snapshot.get("clock")
        if with_clock and self.clock is not None and isinstance(saved_clock, dict):
            try:
                self.clock.restore(saved_clock)
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"--state-file {self.path}: its clock is not one this mock wrote") from None
        self._saved = (self.store.changes.mark(), self._clock())

    def _clock(self) -> dict | None:
        return self.clock.snapshot() if self.clock is not None else None

    def save_if_changed(self) -> None:
        with self._lock:
            current = (self.store.changes.mark(), self._clock())
            if current == self._saved:
                return
            state: dict = {"format": 1, "collections": self.store.snapshot()}
            if current[1] is not None:
                state["clock"] = current[1]
            text = json_util.dumps(state)
            temporary = self.path.with_name(f".{self.path.name}.tmp")
            with temporary.open("w", encoding="utf-8") as sink:
                sink.write(text)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, self.path)
            self._saved = current
