"""Schedule maths: local slot times to UTC instants (DST-correct), "today", next executions.

Pure functions: no HTTP, no database, no reading of the clock (``now`` is always passed in).

DST rules (BRIEF section 6, issue "mock server"):
- a local time that does not exist on a day (spring-forward gap) runs at the first instant after
  the gap, e.g. 02:30 on New York's spring-forward day runs at 03:00 EDT;
- a local time that occurs twice (fall-back fold) runs once, at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class Slot:
    """One configured slot: its number, local wall time and label."""

    slot_number: int
    hour: int
    minute: int
    second: int
    label: str = ""

    @property
    def wall_time(self) -> time:
        return time(self.hour, self.minute, self.second)

    @property
    def scheduled_time(self) -> str:
        """Local wall time as ``HH:MM:SS``."""
        return f"{self.hour:02d}:{self.minute:02d}:{self.second:02d}"


def to_iso(instant: datetime) -> str:
    """The wire form of an instant: ISO 8601 UTC with milliseconds and ``Z``."""
    utc = instant.astimezone(UTC)
    return utc.strftime(ISO_FORMAT) + f".{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 instant (``Z`` or an offset; naive means UTC) into an aware UTC datetime."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_offset(zone: ZoneInfo, instant: datetime) -> str:
    """The zone's UTC offset at ``instant`` as ``+HH:MM`` / ``-HH:MM``."""
    offset = instant.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def today_in(zone: ZoneInfo, now: datetime) -> date:
    """The calendar date in ``zone`` at instant ``now`` (never the UTC date)."""
    return now.astimezone(zone).date()


def _exists(local: datetime) -> bool:
    """Whether an aware local datetime names a wall time that really occurs in its zone."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``wall`` on ``day`` in ``zone``.

    A time inside a DST gap maps to the first instant after the gap; a time in a fold maps to its
    first occurrence (``fold=0``).
    """
    local = datetime.combine(day, wall, tzinfo=zone).replace(fold=0)
    if _exists(local):
        return local.astimezone(UTC)
    # Inside a gap: the transition lies between the two readings of the wall time.
    low = local.replace(fold=1).astimezone(UTC)  # read with the offset after the gap
    high = local.replace(fold=0).astimezone(UTC)  # read with the offset before the gap
    if low > high:
        low, high = high, low
    before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` starts in ``zone`` (its local midnight)."""
    return local_to_utc(day, time(0, 0, 0), zone)


def platform_day_start_utc(zone: ZoneInfo, now: datetime) -> str:
    """The current app's ``platform_day_start_utc``: where today starts in ``zone``, as UTC ``HH:MM:SS``."""
    return day_start(today_in(zone, now), zone).strftime("%H:%M:%S")


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` ends in ``zone`` (the next local midnight)."""
    return local_to_utc(day + timedelta(days=1), time(0, 0, 0), zone)


def slot_instant(day: date, slot: Slot, zone: ZoneInfo) -> datetime:
    """When ``slot`` runs on ``day`` in ``zone``, as a UTC instant."""
    return local_to_utc(day, slot.wall_time, zone)


def next_occurrence(slot: Slot, zone: ZoneInfo, now: datetime) -> datetime:
    """The slot's next occurrence strictly after ``now``."""
    day = today_in(zone, now) - timedelta(days=1)
    for _ in range(4):
        instant = slot_instant(day, slot, zone)
        if instant > now:
            return instant
        day += timedelta(days=1)
    raise AssertionError("no occurrence within three days")  # pragma: no cover


def next_executions(slots: list[Slot], zone: ZoneInfo, now: datetime) -> list[tuple[Slot, datetime]]:
    """Each slot's next occurrence strictly after ``now``, sorted by time (then slot number)."""
    pairs = [(slot, next_occurrence(slot, zone, now)) for slot in slots]
    return sorted(pairs, key=lambda pair: (pair[1], pair[0].slot_number))


def upcoming_executions(slots: list[Slot], zone: ZoneInfo, now: datetime, count: int) -> list[tuple[Slot, datetime]]:
    """The next ``count`` executions of the whole schedule after ``now``, in time order."""
    found: list[tuple[Slot, datetime]] = []
    day = today_in(zone, now)
    while len(found) < count and slots:
        for slot in sorted(slots, key=lambda s: s.wall_time):
            instant = slot_instant(day, slot, zone)
            if instant > now and all(instant != seen for _, seen in found):
                found.append((slot, instant))
        day += timedelta(days=1)
    found.sort(key=lambda pair: (pair[1], pair[0].slot_number))
    return found[:count]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_slots(number_of_slots, schedules) -> list[str]:
    """Business rules the schema cannot express, one line per problem (BRIEF section 3).

    Defensive: it may see a body that also fails the schema, and then judges only what it can.
    """
    problems: list[str] = []
    if not _is_int(number_of_slots) or not isinstance(schedules, list):
        return problems
    if len(schedules) != number_of_slots:
        problems.append(
            f"numberOfSlots is {number_of_slots} but {len(schedules)} schedule(s) were given; they must be equal"
        )
    fields = ("slotNumber", "hour", "minute", "second")
    if not all(isinstance(e, dict) and all(_is_int(e.get(f)) for f in fields) for e in schedules):
        return problems
    numbers = [entry["slotNumber"] for entry in schedules]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    for number in repeated:
        where = [i for i, n in enumerate(numbers) if n == number]
        problems.append(f"schedules[{where[-1]}].slotNumber: slot number {number} is used more than once")
    expected = list(range(1, len(schedules) + 1))
    if not repeated and sorted(numbers) != expected:
        problems.append(
            f"schedules[].slotNumber: slot numbers must be exactly 1..{len(schedules)}; got {sorted(numbers)}"
        )
    seen: dict[tuple[int, int, int], int] = {}
    for index, entry in enumerate(schedules):
        key = (entry["hour"], entry["minute"], entry["second"])
        if key in seen:
            problems.append(
                f"schedules[{index}]: slots {seen[key]} and {entry['slotNumber']} are both at "
                f"{key[0]:02d}:{key[1]:02d}:{key[2]:02d}; each slot needs its own time"
            )
        else:
            seen[key] = entry["slotNumber"]
    return problems


def slots_from(schedules: list[dict]) -> list[Slot]:
    """Slots from stored or request dicts, sorted by slot number."""
    return sorted(
        (
            Slot(
                slot_number=entry["slotNumber"],
                hour=entry["hour"],
                minute=entry["minute"],
                second=entry["second"],
                label=entry.get("label") or "",
            )
            for entry in schedules
        ),
        key=lambda slot: slot.slot_number,
    )


def to_local_iso(instant: datetime, zone: ZoneInfo) -> str:
    """The instant as local wall time with its offset: ``2026-02-12T09:00:00+01:00``."""
    return instant.astimezone(zone).replace(microsecond=0).isoformat()


def describe_duration(seconds: float) -> str:
    """``29 minutes``, ``2 hours 5 minutes``, ``1 day 3 hours``; ``less than a minute`` below 60 s."""
    total = int(seconds)
    if total < 60:
        return "less than a minute"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words[:2])


def parse_wall_time(text) -> tuple[int, int, int] | None:
    """``HH:MM`` or ``HH:MM:SS`` with valid ranges, else None."""
    if not isinstance(text, str):
        return None
    pieces = text.strip().split(":")
    if len(pieces) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in pieces):
        return None
    hour, minute, second = (int(p) for p in [*pieces, "00"][:3])
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def preview_slots(entries) -> tuple[list[Slot], list[str]]:
    """Slots of the schedule form's JSON (``[{"time", "label", ...}]``); extra keys are ignored.

    Slot numbers follow the list's order. Returns the slots and one problem line per bad entry.
    """
    if not isinstance(entries, list):
        return [], ['slots: expected a JSON list such as [{"time": "09:00:00", "label": "Morning"}]']
    slots: list[Slot] = []
    problems: list[str] = []
    for position, entry in enumerate(entries):
        when = parse_wall_time(entry.get("time")) if isinstance(entry, dict) else None
        if when is None:
            got = entry.get("time") if isinstance(entry, dict) else entry
            problems.append(f"slots[{position}].time: {got!r} is not a time of day (HH:MM or HH:MM:SS, 00:00-23:59:59)")
            continue
        label = entry.get("label")
        slots.append(Slot(position + 1, *when, label=label if isinstance(label, str) else ""))
    if len(entries) > 10:
        problems.append(f"slots: {len(entries)} slots given; at most 10")
    return slots, problems


LEGACY_ZONE = "Africa/Lagos"
LEGACY_SLOTS = (Slot(1, 15, 59, 59, "Daily Distribution"),)  # the deployed backend's built-in time


@dataclass(frozen=True)
class EffectiveSchedule:
    """The schedule that is in force: the saved settings, or else the legacy built-in time."""

    zone_name: str
    slots: tuple[Slot, ...]
    enabled: bool
    saved: bool  # False: no settings document, the legacy time (``/cron-status`` mode "fixed")
    updated_at: str | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def today(self, now: datetime) -> date:
        return today_in(self.zone, now)


def effective_schedule(settings: dict | None) -> EffectiveSchedule:
    """The one rule: the saved settings when there are any, or else the legacy schedule."""
    if settings is None:
        return EffectiveSchedule(LEGACY_ZONE, LEGACY_SLOTS, True, False, None)
    return EffectiveSchedule(
        settings["timezone"],
        tuple(slots_from(settings["schedules"])),
        bool(settings["isEnabled"]),
        True,
        settings.get("updatedAt"),
    )
