"""Where events go as they happen: the console (one line each) and ``--jsonl`` (one JSON object each,
flushed at once, for log pipelines). Each output takes every event; ``close`` ends it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Protocol, TextIO

from .events import Event


class Output(Protocol):
    def handle(self, event: Event) -> None: ...

    def close(self) -> None: ...


class Console:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def handle(self, event: Event) -> None:
        print(event.line(), file=self.stream, flush=True)

    def close(self) -> None:
        self.stream.flush()


class JsonLines:
    def __init__(self, path: Path) -> None:
        self.file = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 (open for the run, closed by close)

    def handle(self, event: Event) -> None:
        self.file.write(json.dumps(event.record(), ensure_ascii=False) + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()
