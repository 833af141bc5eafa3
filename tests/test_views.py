"""``mock_server.views``: money on the wire (half-up to the cent, a JSON number), today's status and its
payout summary, the schedule's shapes, and the timezone list. Stored documents in, wire dicts out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mock_server.domain.schedule import Slot
from mock_server.domain.timezones import Catalogue
from mock_server.views.money import wire, wire_percent
from mock_server.views.schedule import cron_status_view, preview_view, settings_view
from mock_server.views.status import Projection, distribution_totals, execution_view, status_view
from mock_server.views.timezones import timezone_view, timezones_view

SUMMER = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("2.675", "2.68"),
        ("0.005", "0.01"),
        ("-0.005", "-0.01"),
        ("100", "100.0"),
        ("9999999999999.99", "9999999999999.99"),
    ],
)
def test_money_is_rounded_half_up_to_the_cent_and_sent_as_a_json_number(amount, shown):
    assert json.dumps(wire(Decimal(amount))) == shown


def test_a_percentage_is_sent_as_stored():
    assert wire_percent(Decimal("1.5")) == 1.5 and wire_percent(Decimal("0.3333")) == 0.3333


def execution(ros: str, premium: str = "0", performance: str = "0", at: str = "2026-02-12T09:00:00.000Z") -> dict:
    return {
        "executedAt": at,
        "executionTimeMs": 3,
        "rosStats": {"processedStakes": 2, "totalDistributed": ros},
        "premiumPoolStats": {"usersReceived": 1, "totalDistributed": premium},
        "performancePoolStats": {"usersReceived": 0, "totalDistributed": performance},
        "error": None,
    }


DAY = {
    "date": "2026-02-12",
    "timezone": "UTC",
    "multiSlotEnabled": True,
    "values": {
        "rosPercentage": "4.5",
        "premiumPoolAmount": "100",
        "performancePoolAmount": "50.005",
        "description": "",
    },
}


def slot(number: int, status: str, at: str, ros: str, premium: str, performance: str, details=None) -> dict:
    return {
        "date": "2026-02-12",
        "slotNumber": number,
        "rosPercentage": ros,
        "premiumPoolAmount": premium,
        "performancePoolAmount": performance,
        "scheduledFor": at,
        "scheduledTime": at[11:19],
        "label": f"Slot {number}",
        "status": status,
        "executionDetails": details,
    }


SLOTS = [  # as stored, in no particular order
    slot(2, "PENDING", "2026-02-12T15:00:00.000Z", "3", "50", "25.005"),
    slot(1, "COMPLETED", "2026-02-12T09:00:00.000Z", "1.5", "50", "25", execution("20.005", "50", "25")),
]


def test_an_execution_s_totals_go_out_as_numbers_rounded_to_the_cent():
    shown = execution_view(execution("20.005", "0.004"))
    assert shown["rosStats"] == {"processedStakes": 2, "totalDistributed": 20.01}
    assert shown["premiumPoolStats"]["totalDistributed"] == 0.0
    assert shown["executedAt"] == "2026-02-12T09:00:00.000Z" and shown["error"] is None
    assert execution_view(None) is None


def test_today_s_status_of_a_day_half_run():
    view = status_view(DAY, SLOTS, "2026-02-12")
    assert view["status"] == "PENDING" and view["today"] == "2026-02-12"
    assert view["scheduledFor"] == "2026-02-12T15:00:00.000Z"  # the next PENDING slot's time
    assert view["values"] == {
        "rosPercentage": 4.5,
        "premiumPoolAmount": 100.0,
        "performancePoolAmount": 50.01,
        "description": "",
    }
    assert [s["slotNumber"] for s in view["distributionSlots"]] == [1, 2]
    assert view["distributionSlots"][1]["executionDetails"] is None
    last = view["lastExecution"]
    assert (last["status"], last["slotNumber"], last["rosStats"]["totalDistributed"]) == ("COMPLETED", 1, 20.01)
    assert "distributionTotals" not in view


def test_today_s_status_when_nothing_is_queued():
    view = status_view(None, [], "2026-02-12")
    assert view == {
        "today": "2026-02-12",
        "status": "EMPTY",
        "scheduledFor": None,
        "values": {"rosPercentage": 0, "premiumPoolAmount": 0, "performancePoolAmount": 0, "description": ""},
        "multiSlotEnabled": False,
        "distributionSlots": [],
        "lastExecution": None,
    }


def test_the_payout_summary_adds_what_was_paid_to_what_the_pending_slots_will_pay():
    projection = Projection(
        paid={"ros": Decimal("20.005"), "premium": Decimal("50"), "performance": Decimal("25")},
        ros_payout=lambda ros: ros * 10,  # the active stakes, at a slot of this ROS
        active_stakes=2,
        pools_with_qualifiers=frozenset({"premium"}),  # nobody shares the performance pool
    )
    totals = distribution_totals(DAY, SLOTS, projection)
    assert totals["scheduled"]["poolBudgetTotalUSDT"] == 150.01
    assert totals["projected"]["stakeRosRemainingSlotsUSDT"] == 30.0
    assert totals["projected"]["stakeRosFullDayUSDT"] == 50.01
    assert totals["projected"]["poolQualifiersEstimatedUSDT"] == 125.0  # 75 paid + slot 2's premium pool
    assert totals["projected"]["grandTotalEstimatedUSDT"] == 175.01
    assert totals["actual"]["stakeRosProcessedStakesReported"] == 2 and totals["actual"]["poolsDistributed"] is True
    assert totals["multiSlot"] == {"completedSlots": 1, "totalSlots": 2, "pendingSlots": 1}
    assert status_view(DAY, SLOTS, "2026-02-12", projection)["distributionTotals"] == totals


SETTINGS = {
    "_id": "66c0000000000000000000aa",
    "timezone": "Europe/London",
    "schedules": [
        {"slotNumber": 2, "hour": 21, "minute": 0, "second": 0, "label": "Evening"},
        {"slotNumber": 1, "hour": 9, "minute": 30, "second": 0},
    ],
    "isEnabled": True,
    "createdAt": "2026-01-01T00:00:00.000Z",
    "updatedAt": "2026-06-30T10:00:00.000Z",
}


def test_settings_show_the_offset_at_now_and_the_next_executions_in_time_order():
    summer = settings_view(SETTINGS, SUMMER)
    assert summer["timezoneOffset"] == "+01:00" and settings_view(SETTINGS, WINTER)["timezoneOffset"] == "+00:00"
    assert [s["slotNumber"] for s in summer["schedules"]] == [1, 2] and summer["numberOfSlots"] == 2
    assert summer["nextExecutions"] == [
        {"slotNumber": 2, "scheduledFor": "2026-07-01T20:00:00.000Z", "label": "Evening"},
        {"slotNumber": 1, "scheduledFor": "2026-07-02T08:30:00.000Z", "label": ""},
    ]
    assert settings_view({**SETTINGS, "isEnabled": False}, SUMMER)["nextExecutions"] == []


def test_the_public_cron_status_says_active_or_disabled_and_what_runs_next():
    fixed = cron_status_view(None, WINTER)  # nothing saved: the built-in time
    assert (fixed["mode"], fixed["status"], fixed["timezone"]) == ("fixed", "active", "Africa/Lagos (UTC+01:00)")
    assert fixed["nextExecution"] == {"slot": 1, "time": "2026-01-15T14:59:59.000Z", "label": "Daily Distribution"}
    off = cron_status_view({**SETTINGS, "isEnabled": False}, SUMMER)
    assert (off["mode"], off["status"], off["isEnabled"]) == ("dynamic", "inactive", False)
    assert "disabled" in off["message"] and "nextExecution" not in off
    assert off["lastUpdate"] == SETTINGS["updatedAt"]


def test_the_preview_lists_the_next_runs_in_local_time_with_how_long_until_each():
    slots = [Slot(1, 9, 0, 0, "Morning"), Slot(2, 14, 30, 0, "Afternoon")]  # now is 13:00 there
    preview = preview_view(slots, "Europe/London", SUMMER, count=3)
    assert preview["currentTime"] == "2026-07-01T12:00:00.000Z" and preview["timezone"] == "Europe/London"
    runs = preview["nextExecutions"]
    assert [(r["slotNumber"], r["localTime"]) for r in runs] == [
        (2, "2026-07-01T14:30:00+01:00"),
        (1, "2026-07-02T09:00:00+01:00"),
        (2, "2026-07-02T14:30:00+01:00"),
    ]
    assert runs[0]["nextRun"] == "2026-07-01T13:30:00.000Z" and runs[0]["slotTime"] == "14:30:00"
    assert [r["timeUntil"] for r in runs[:2]] == ["1 hour 30 minutes", "20 hours"]


CATALOGUE = Catalogue({"Africa": ("Africa/Lagos",), "Europe": ("Europe/London", "Europe/Paris")})


def test_a_timezone_entry_carries_both_generations_of_field_names():
    assert timezone_view(CATALOGUE, "Europe/London", SUMMER) == {
        "value": "Europe/London",
        "label": "Europe/London (UTC+01:00)",
        "offset": "+01:00",
        "region": "Europe",
        "name": "Europe/London",
        "displayName": "Europe/London (UTC+01:00)",
    }
    assert timezone_view(CATALOGUE, "Europe/London", WINTER)["offset"] == "+00:00"


def test_the_timezone_list_is_flat_grouped_and_counted_in_catalogue_order():
    view = timezones_view(CATALOGUE, WINTER)
    assert [z["value"] for z in view["timezones"]] == ["Africa/Lagos", "Europe/London", "Europe/Paris"]
    assert [(g["region"], [z["value"] for z in g["timezones"]]) for g in view["grouped"]] == [
        ("Africa", ["Africa/Lagos"]),
        ("Europe", ["Europe/London", "Europe/Paris"]),
    ]
    assert view["total"] == 3 and view["grouped"][1]["timezones"][1] == view["timezones"][2]
