"""The timezone list as the wire carries it (both field-name generations of the admin app)."""

from __future__ import annotations

from datetime import datetime

from ..domain.schedule import format_offset
from ..domain.timezones import Catalogue, label, zone


def timezone_view(catalogue: Catalogue, name: str, at: datetime) -> dict:
    """One entry of the timezone list, as the wire carries it (both field-name generations)."""
    text = label(name, at)
    return {
        "value": name,
        "label": text,
        "offset": format_offset(zone(name), at),
        "region": catalogue.region_of(name),
        "name": name,
        "displayName": text,
    }


def timezones_view(catalogue: Catalogue, at: datetime) -> dict:
    """The ``data`` of ``GET .../timezones``: flat list, grouped list and total."""
    flat = [timezone_view(catalogue, name, at) for name in catalogue.names]
    by_name = {entry["value"]: entry for entry in flat}
    grouped = [
        {"region": region, "timezones": [by_name[name] for name in names]}
        for region, names in catalogue.regions.items()
    ]
    return {"timezones": flat, "grouped": grouped, "total": len(flat)}
