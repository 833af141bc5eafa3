"""``--state-file``: the embedded store kept on disk, so a restart (even ``kill -9``) loses nothing.

After every request (and every real-time tick) that changed something, the whole store is written
to a temporary file beside the state file, flushed to disk and renamed over it: a reader (the next
start) sees the previous state or the new one, never half of one. At start, an existing file is
loaded instead of the fixtures.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from bson import json_util

from .store import Store


class StateFile:
    def __init__(self, path: Path, store: Store) -> None:
        self.path = path
        self.store = store
        self._lock = threading.Lock()
        self._saved = -1

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> None:
        """Replace the store's content by the file's (raises ValueError on a file that is not one)."""
        try:
            snapshot = json_util.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as broken:
            raise ValueError(f"--state-file {self.path}: not a state file this mock wrote ({broken})") from None
        if not isinstance(snapshot, dict) or snapshot.get("format") != 1:
            raise ValueError(f"--state-file {self.path}: not a state file this mock wrote")
        self.store.restore(snapshot["collections"])
        self._saved = self.store.changes.mark()

    def save_if_changed(self) -> None:
        with self._lock:
            mark = self.store.changes.mark()
            if mark == self._saved:
                return
            text = json_util.dumps({"format": 1, "collections": self.store.snapshot()})
            temporary = self.path.with_name(f".{self.path.name}.tmp")
            with temporary.open("w", encoding="utf-8") as sink:
                sink.write(text)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(temporary, self.path)
            self._saved = mark
