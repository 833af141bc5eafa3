"""The timezone catalogue: names, regions, labels and offsets computed for an instant.

Pure: the catalogue is built from fixture data; ``at`` is always passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from .schedule import format_offset

LABEL = re.compile(r"^\s*(?P<name>[A-Za-z0-9_+\-/]+)\s*\(UTC[+-]\d{2}:\d{2}\)\s*$")


@cache
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name (cached)."""
    return ZoneInfo(name)


def label(name: str, at: datetime) -> str:
    """``Africa/Lagos (UTC+01:00)``: the name with its offset at ``at``."""
    return f"{name} (UTC{format_offset(zone(name), at)})"


@dataclass(frozen=True)
class Catalogue:
    """The zones a schedule may use, in display order, each with its region."""

    regions: dict[str, tuple[str, ...]]

    @classmethod
    def from_fixture(cls, data: dict[str, list[str]]) -> Catalogue:
        for names in data.values():
            for name in names:
                zone(name)  # fail at start-up on a name the tz database does not know
        return cls({region: tuple(names) for region, names in data.items()})

    @property
    def names(self) -> list[str]:
        return [name for names in self.regions.values() for name in names]

    def region_of(self, name: str) -> str | None:
        for region, names in self.regions.items():
            if name in names:
                return region
        return None

    def resolve(self, given: str) -> str | None:
        """The IANA name for a value sent as the IANA name or as its label; None if unknown."""
        text = given.strip()
        if text in self.names:
            return text
        match = LABEL.match(text)
        if match and match.group("name") in self.names:
            return match.group("name")
        return None
