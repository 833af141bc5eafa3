"""Schedule maths: local slot times to instants across DST, today, next executions, labels."""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from mock_server.domain.schedule import (
    Slot,
    day_end,
    format_offset,
    local_to_utc,
    next_executions,
    parse_iso,
    to_iso,
    today_in,
    upcoming_executions,
    validate_slots,
)
from mock_server.domain.timezones import Catalogue
from mock_server.views.timezones import timezones_view

NY = ZoneInfo("America/New_York")
LAGOS = ZoneInfo("Africa/Lagos")


@pytest.mark.parametrize(
    ("zone", "day", "wall", "instant"),
    [
        ("Africa/Lagos", "2026-02-12", "09:00:00", "2026-02-12T08:00:00.000Z"),
        ("Africa/Lagos", "2026-02-12", "15:59:59", "2026-02-12T14:59:59.000Z"),
        ("America/New_York", "2026-01-15", "09:00:00", "2026-01-15T14:00:00.000Z"),
        ("America/New_York", "2026-07-15", "09:00:00", "2026-07-15T13:00:00.000Z"),
        # spring forward 2026-03-08: 02:00-03:00 does not exist; 02:30 runs at 03:00 EDT
        ("America/New_York", "2026-03-08", "02:30:00", "2026-03-08T07:00:00.000Z"),
        ("America/New_York", "2026-03-08", "02:00:00", "2026-03-08T07:00:00.000Z"),
        ("America/New_York", "2026-03-08", "03:00:00", "2026-03-08T07:00:00.000Z"),
        ("America/New_York", "2026-03-08", "01:59:59", "2026-03-08T06:59:59.000Z"),
        # fall back 2026-11-01: 01:00-02:00 happens twice; the first (EDT) is taken
        ("America/New_York", "2026-11-01", "01:30:00", "2026-11-01T05:30:00.000Z"),
        ("America/New_York", "2026-11-01", "02:30:00", "2026-11-01T07:30:00.000Z"),
        ("Asia/Kolkata", "2026-02-12", "09:00:00", "2026-02-12T03:30:00.000Z"),
        ("Pacific/Auckland", "2026-09-27", "02:15:00", "2026-09-26T14:00:00.000Z"),  # NZ gap 02:00->03:00
        ("Australia/Sydney", "2026-04-05", "02:30:00", "2026-04-04T15:30:00.000Z"),  # fold: first (AEDT)
    ],
)
def test_local_time_to_instant_dst_table(zone, day, wall, instant):
    h, m, s = (int(x) for x in wall.split(":"))
    assert to_iso(local_to_utc(date.fromisoformat(day), time(h, m, s), ZoneInfo(zone))) == instant


def test_today_is_the_zones_date_not_utcs():
    assert today_in(LAGOS, parse_iso("2026-02-12T23:30:00Z")) == date(2026, 2, 13)
    assert today_in(NY, parse_iso("2026-02-13T03:00:00Z")) == date(2026, 2, 12)
    assert today_in(ZoneInfo("Pacific/Kiritimati"), parse_iso("2026-02-12T10:00:00Z")) == date(2026, 2, 13)


def test_day_end_is_the_next_local_midnight():
    assert to_iso(day_end(date(2026, 2, 12), LAGOS)) == "2026-02-12T23:00:00.000Z"
    assert to_iso(day_end(date(2026, 3, 7), NY)) == "2026-03-08T05:00:00.000Z"


def test_next_executions_strictly_after_now_sorted_by_time():
    slots = [Slot(1, 9, 0, 0, "Morning"), Slot(2, 15, 0, 0), Slot(3, 21, 0, 0)]
    now = parse_iso("2026-02-12T14:00:00Z")  # exactly slot 2's instant: it is not "after now"
    found = [(s.slot_number, to_iso(at)) for s, at in next_executions(slots, LAGOS, now)]
    assert found == [
        (3, "2026-02-12T20:00:00.000Z"),
        (1, "2026-02-13T08:00:00.000Z"),
        (2, "2026-02-13T14:00:00.000Z"),
    ]


def test_upcoming_executions_spans_days_in_order():
    slots = [Slot(1, 9, 0, 0), Slot(2, 21, 0, 0)]
    found = [to_iso(at) for _, at in upcoming_executions(slots, LAGOS, parse_iso("2026-02-12T12:00:00Z"), 5)]
    assert found == [
        "2026-02-12T20:00:00.000Z", "2026-02-13T08:00:00.000Z", "2026-02-13T20:00:00.000Z",
        "2026-02-14T08:00:00.000Z", "2026-02-14T20:00:00.000Z",
    ]  # fmt: skip


def test_offsets_are_for_the_instant():
    assert format_offset(NY, parse_iso("2026-01-15T12:00:00Z")) == "-05:00"
    assert format_offset(NY, parse_iso("2026-07-15T12:00:00Z")) == "-04:00"
    assert format_offset(ZoneInfo("Asia/Kathmandu"), parse_iso("2026-07-15T12:00:00Z")) == "+05:45"
    assert format_offset(ZoneInfo("America/St_Johns"), parse_iso("2026-01-15T12:00:00Z")) == "-03:30"


@freeze_time("2026-07-01 12:00:00")
def test_nothing_reads_the_machine_clock():
    """With the machine's clock frozen in July, January maths still says January."""
    assert format_offset(NY, parse_iso("2026-01-15T12:00:00Z")) == "-05:00"


def test_catalogue_resolves_names_and_labels():
    catalogue = Catalogue.from_fixture({"Africa": ["Africa/Lagos"], "UTC": ["UTC"]})
    assert catalogue.resolve("Africa/Lagos") == "Africa/Lagos"
    assert catalogue.resolve("Africa/Lagos (UTC+01:00)") == "Africa/Lagos"
    assert catalogue.resolve(" UTC (UTC+00:00) ") == "UTC"
    for bad in ("", "Mars/Base", "Africa/Lagos (UTC+1)", "Europe/Paris"):
        assert catalogue.resolve(bad) is None
    listing = timezones_view(catalogue, parse_iso("2026-02-12T00:00:00Z"))
    assert listing["total"] == 2 and listing["grouped"][0]["timezones"][0]["label"] == "Africa/Lagos (UTC+01:00)"


@pytest.mark.parametrize(
    ("count", "schedules", "fragment"),
    [
        (2, [{"slotNumber": 1, "hour": 9, "minute": 0, "second": 0}], "must be equal"),
        (2, [{"slotNumber": 1, "hour": 9, "minute": 0, "second": 0}] * 2, "more than once"),
        (
            2,
            [
                {"slotNumber": 1, "hour": 9, "minute": 0, "second": 0},
                {"slotNumber": 2, "hour": 9, "minute": 0, "second": 0},
            ],
            "both at 09:00:00",
        ),
        (
            2,
            [
                {"slotNumber": 2, "hour": 9, "minute": 0, "second": 0},
                {"slotNumber": 3, "hour": 10, "minute": 0, "second": 0},
            ],
            "1..2",
        ),
    ],
)
def test_slot_rules(count, schedules, fragment):
    problems = validate_slots(count, schedules)
    assert any(fragment in p for p in problems), problems


def test_slot_rules_tolerate_malformed_input():
    assert validate_slots("3", []) == []
    assert validate_slots(1, [{"slotNumber": "1", "hour": 9}]) == []
