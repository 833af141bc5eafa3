"""When ``watch`` polls next: every ``--every``, and also a minute before and after both midnights,
the schedule zone's and UTC's (where the UTC-date bug shows), however long ``--every`` is; while the
target is down, backing off (twice the wait each time, up to five minutes, or ``--every`` if longer).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..oracle import local_date, run_instant

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
BACKOFF_CAP = 300.0  # seconds
AROUND = timedelta(minutes=1)  # the polls before and after a midnight


def duration(text: str) -> float:
    """``90``, ``60s``, ``10m``, ``24h``, ``1d``, ``1h30m`` in seconds (argparse's type: ValueError if not)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)", text.strip().lower())
    if not parts or re.sub(r"[\d.\s]|ms|s|m|h|d", "", text.strip().lower()):
        raise ValueError(f"a duration such as 60s, 10m or 24h, not {text!r}")
    seconds = sum(float(number) * UNITS[unit] for number, unit in parts)
    if seconds <= 0:
        raise ValueError(f"a duration above zero, not {text!r}")
    return seconds


def midnights(now: datetime, zone: ZoneInfo) -> list[datetime]:
    """The next local midnight of ``zone`` and the next UTC midnight after ``now``."""
    found = []
    for where in (zone, ZoneInfo("UTC")):
        day = local_date(where, now)
        found.append(run_instant(day + timedelta(days=1), 0, 0, 0, where))
    return found


def next_wait(every: float, down: int, now: datetime | None = None, zone: ZoneInfo | None = None) -> float:
    """Seconds to the next poll. ``down``: how many polls in a row the target did not answer."""
    if down:
        return min(every * 2 ** (down - 1), max(every, BACKOFF_CAP))
    wait = every
    if now is not None and zone is not None:
        now = now.astimezone(UTC)
        for midnight in midnights(now - AROUND, zone):
            for point in (midnight - AROUND, midnight + AROUND):
                ahead = (point - now).total_seconds()
                if 0 < ahead < wait:
                    wait = ahead
    return wait
