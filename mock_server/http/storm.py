"""Request storms: a client asking the same GET many times a second is a page refetching in a loop.

The current admin app's platform-day reader goes through its API helper, which already unwraps
``body.data``, and then reads ``.data.value``: undefined, so it throws and the page asks again, 70 to
180 times a second (BRIEF sections 10 and 11). The mock answers what a backend serves, so the loop
happens against it too; this says so, once per path, on the console and in the journal, instead of
leaving a developer to find it in ten thousand log lines.

Counted on the monotonic clock (a rate of real requests, not simulated time). Touched only from the
server's event loop; a lock keeps it whole for in-process clients that run apps on threads.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

STORM_PER_SECOND = 20

PLATFORM_DAY_LOOP = (
    "this is the current admin app's platform-day loop: its reader goes through the app's API helper, "
    "which already unwraps body.data, then reads .data.value, which is undefined, so it throws and the "
    "page fetches again. The mock serves what a backend serves ({success, data: {key, value}}); the fix "
    "is in the app: read .value after the helper (BRIEF section 11)"
)
KNOWN_LOOPS = {"/settings/public/platform_day_start_utc": PLATFORM_DAY_LOOP}
SOME_LOOP = "a page is refetching it in a loop (a render that throws, or a query refetched on every render)"


def explain(path: str, count: int, client: str) -> str:
    """The notice for a storm of GETs of ``path``."""
    why = next((text for suffix, text in KNOWN_LOOPS.items() if path.endswith(suffix)), SOME_LOOP)
    return f"GET {path} was asked {count} times within a second by {client}: {why}. Said once."


class StormWatch:
    """Counts each client's GETs of each path over the last second (a sliding window); the first time
    one reaches ``STORM_PER_SECOND``, ``seen`` returns the notice for it, once per path for the
    process's life. At most ``KEPT_KEYS`` (client, path) pairs are followed at once."""

    KEPT_KEYS = 1024

    def __init__(self, per_second: int = STORM_PER_SECOND, now: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self._now = now
        self._recent: dict[tuple[str, str], deque[float]] = {}
        self._told: set[str] = set()
        self._lock = threading.Lock()

    def seen(self, method: str, path: str, client: str) -> str | None:
        if method != "GET" or path in self._told:
            return None
        with self._lock:
            now = self._now()
            if len(self._recent) >= self.KEPT_KEYS:
                self._recent.clear()
            recent = self._recent.setdefault((client, path), deque())
            recent.append(now)
            while recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) < self.per_second or path in self._told:
                return None
            self._told.add(path)
            count = len(recent)
        return explain(path, count, client)
