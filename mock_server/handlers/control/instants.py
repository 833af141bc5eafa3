"""The clock as the control API reads it (an ISO instant within the clock's range) and shows it."""

from __future__ import annotations

from datetime import datetime

from ...domain.schedule import parse_iso, to_iso
from ...engine.clock import EARLIEST, LATEST, within_bounds
from ...http.errors import ApiError
from ...http.services import Services


def clock_view(services: Services) -> dict:
    """The clock as every clock route answers it."""
    return {"now": to_iso(services.clock.now()), "frozen": services.clock.frozen}


def instant_of(text: str, field: str) -> datetime:
    """``field``'s ISO instant; 400 naming the field when it is not one, or outside the clock's range."""
    try:
        instant = parse_iso(text)
    except (ValueError, OverflowError):
        raise ApiError.validation(
            [f"{field}: '{text}' is not an ISO 8601 instant (e.g. 2026-02-12T07:00:00.000Z)"]
        ) from None
    return bounded(instant, field)


def bounded(instant: datetime, field: str) -> datetime:
    """``instant`` when the clock can be set to it; 400 naming ``field`` otherwise."""
    if not within_bounds(instant):
        raise ApiError.validation(
            [f"{field}: {to_iso(instant)} is outside the mock's clock range, {to_iso(EARLIEST)} .. {to_iso(LATEST)}"]
        )
    return instant
