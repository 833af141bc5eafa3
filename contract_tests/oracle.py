"""The suite's own answers: time, zones and money computed from the brief, with nothing of any server.

Every expected value a case compares against comes from here, from the contract document, or from a
table written from the brief. A backend (the mock included) is never asked to compute what it is
then checked against, so a mistake it shares with its own tests still shows.

- instants on the wire are ISO 8601 UTC with milliseconds and ``Z`` (BRIEF §0);
- "today" is the calendar date in the schedule's zone (BRIEF §0);
- a wall time inside a DST gap runs at the first instant after the gap; a wall time that occurs
  twice runs at its first occurrence (BRIEF §6, TC26);
- a slot's next execution is its next occurrence strictly after now (BRIEF §2);
- money is rounded half-up to the cent when stored or shown: each stake's payment is stored, so
  each is rounded, and a slot's total is the sum of what was paid (BRIEF §0/§6).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

CENT = Decimal("0.01")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant as an aware UTC datetime (``Z`` or an explicit offset)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text!r} has no offset")
    return parsed.astimezone(UTC)


def wire_instant(instant: datetime) -> str:
    """The wire form of an instant: ``2026-02-12T08:00:00.000Z``."""
    instant = instant.astimezone(UTC)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def offset_text(zone: ZoneInfo, instant: datetime) -> str:
    """``+01:00`` / ``-04:00`` / ``+05:30``: the zone's UTC offset at ``instant``."""
    minutes = int(instant.astimezone(zone).utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_date(zone: ZoneInfo, instant: datetime) -> date:
    return instant.astimezone(zone).date()


def wall_clock(instant: datetime | str, zone: ZoneInfo | str) -> str:
    """``HH:MM:SS`` of an instant in a zone."""
    if isinstance(instant, str):
        instant = parse_instant(instant)
    return instant.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone).strftime("%H:%M:%S")


def _offset_after(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset()


def run_instant(day: date, hour: int, minute: int, second: int, zone: ZoneInfo) -> datetime:
    """When a slot at wall time hour:minute:second runs on ``day`` in ``zone`` (UTC)."""
    naive = datetime.combine(day, time(hour, minute, second))
    for fold in (0, 1):  # the first occurrence of a repeated wall time is fold 0
        candidate = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if candidate.astimezone(zone).replace(tzinfo=None) == naive:
            return candidate
    # The wall time does not exist (a spring-forward gap): find the instant the clocks jumped.
    early = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    late = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = min(early, late), max(early, late)
    before = _offset_after(zone, low)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if _offset_after(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def next_runs(schedules: list[dict], zone: ZoneInfo, now: datetime) -> list[tuple[int, str]]:
    """(slotNumber, scheduledFor) of each slot's next run strictly after ``now``, in time order."""
    found = []
    for entry in schedules:
        day = local_date(zone, now) - timedelta(days=1)
        while True:
            at = run_instant(day, entry["hour"], entry["minute"], entry["second"], zone)
            if at > now:
                break
            day += timedelta(days=1)
        found.append((at, entry["slotNumber"]))
    return [(number, wire_instant(at)) for at, number in sorted(found)]


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def ros_paid(stake_amounts: list[Decimal], ros_percentage: Decimal | str | float) -> Decimal:
    """What a slot pays in ROS: each stake ``amount x ROS / 100`` rounded half-up, summed."""
    ros = Decimal(str(ros_percentage))
    return sum((half_up(amount * ros / 100) for amount in stake_amounts), Decimal(0))


def formula_pools(stake_amounts: list[Decimal], slot_ros: list) -> tuple[Decimal, Decimal]:
    """The pools of a queue that sent none (the contract's ``QueueRequest``): a budget of 10% of what
    the slots will pay the stakes, half-up to the cent; premium half of it, half-up; performance the rest."""
    scheduled = sum((ros_paid(stake_amounts, ros) for ros in slot_ros), Decimal(0))
    budget = half_up(scheduled / 10)
    premium = half_up(budget / 2)
    return premium, budget - premium


def money(value) -> Decimal:
    """A wire amount (a JSON number) as the exact decimal it prints as."""
    return Decimal(str(value))


def platform_day_start(zone: ZoneInfo | str, now: datetime) -> str:
    """``platform_day_start_utc`` (BRIEF §10/§11): where today starts, the local midnight of the
    schedule's zone on today's date there, as a UTC wall time ``HH:MM:SS`` (Africa/Lagos ``23:00:00``,
    UTC ``00:00:00``; a midnight inside a DST gap is the first instant after it)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return wall_clock(run_instant(local_date(zone, now), 0, 0, 0, zone), UTC)


def float_sum(values) -> float:
    """The sum as the admin app computes it: IEEE doubles added left to right, as JavaScript's ``+``
    does (``0.1 + 0.2`` is ``0.30000000000000004``; Python's ``sum`` may compensate, this does not)."""
    total = 0.0
    for value in values:
        total += value
    return total
