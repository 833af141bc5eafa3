"""The simulated clock: the only source of "now" in the server.

Frozen, it moves only when told to (control endpoints, tests). Running, it follows the wall clock
from wherever it was last set. Nothing else in the server reads the time of day. It stays within
``EARLIEST`` .. ``LATEST``: callers refuse instants beyond them, and a running clock stops at the end.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

# Every instant whose local date, in some zone, is 2000-01-01 .. 2099-12-31 (offsets run from -12:00
# to +14:00): years print with four digits everywhere, and every library the mock uses copes.
EARLIEST = datetime(1999, 12, 31, 10, 0, 0, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, 11, 59, 59, tzinfo=UTC)  # in real time the clock stops here


def within_bounds(instant: datetime) -> bool:
    """Whether the simulated clock may show ``instant`` (``EARLIEST`` .. ``LATEST``)."""
    return EARLIEST <= instant <= LATEST


def wall_now() -> datetime:
    """The machine's current UTC time (used only to seed a clock that was given no start)."""
    return datetime.now(UTC)


class Clock:
    def __init__(self, start: datetime | None = None, *, frozen: bool = True) -> None:
        self._lock = threading.Lock()
        self._anchor = (start or wall_now()).astimezone(UTC)
        self._anchor_mono = time.monotonic()
        self._anchor_wall = wall_now()  # the wall clock when the anchor was set: a running clock's offset
        self._frozen = frozen

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._anchor
            elapsed = time.monotonic() - self._anchor_mono
            return min(self._anchor + timedelta(seconds=elapsed), LATEST)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def set(self, instant: datetime, *, frozen: bool | None = None) -> None:
        with self._lock:
            self._anchor = instant.astimezone(UTC)
            self._anchor_mono = time.monotonic()
            self._anchor_wall = wall_now()
            if frozen is not None:
                self._frozen = frozen

    def move_forward(self, instant: datetime) -> None:
        """Set the clock to ``instant`` unless it is already later (concurrent moves never go back)."""
        with self._lock:
            if self._frozen:
                current = self._anchor
            else:
                current = self._anchor + timedelta(seconds=time.monotonic() - self._anchor_mono)
            if instant > current and instant <= LATEST:
                self._anchor = instant.astimezone(UTC)
                self._anchor_mono = time.monotonic()
                self._anchor_wall = wall_now()

    def freeze(self) -> None:
        self.set(self.now(), frozen=True)

    def resume(self) -> None:
        self.set(self.now(), frozen=False)

    def snapshot(self) -> dict:
        """What a state file keeps of the clock: a frozen clock's instant, or a running clock's offset
        from the wall clock (so that after a restart it runs on where it would have been)."""
        with self._lock:
            offset = (self._anchor - self._anchor_wall).total_seconds()
            return {"frozen": self._frozen, "now": self._anchor.isoformat(), "offsetSeconds": round(offset, 3)}

    def restore(self, saved: dict) -> None:
        """The clock as ``snapshot`` saw it (a running clock: the wall clock plus its offset)."""
        instant = datetime.fromisoformat(saved["now"])
        if not saved["frozen"]:
            instant = wall_now() + timedelta(seconds=float(saved["offsetSeconds"]))
        self.set(min(max(instant, EARLIEST), LATEST), frozen=bool(saved["frozen"]))
