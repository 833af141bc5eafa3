"""Shapes for the wire: SETTINGS, the public cron status, the preview, today's status, qualifiers.

Pure: stored documents and ``now`` in, dicts out. Money leaves ``Decimal`` here and only here, by
one rule: rounded half-up to the cent (``money``), then written as a JSON number (``wire``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain.distribution import exact, money, overall_status
from ..domain.schedule import (
    EffectiveSchedule,
    Slot,
    describe_duration,
    effective_schedule,
    format_offset,
    next_executions,
    slots_from,
    to_iso,
    to_local_iso,
    upcoming_executions,
)
from ..domain.timezones import Catalogue, label, zone


def next_execution_list(schedule: EffectiveSchedule, now: datetime) -> list[dict]:
    if not schedule.enabled:
        return []
    return [
        {"slotNumber": slot.slot_number, "scheduledFor": to_iso(at), "label": slot.label}
        for slot, at in next_executions(list(schedule.slots), schedule.zone, now)
    ]


def settings_view(settings: dict, now: datetime) -> dict:
    slots = slots_from(settings["schedules"])
    return {
        "_id": str(settings["_id"]),
        "settingType": "daily_distribution",
        "timezone": settings["timezone"],
        "timezoneOffset": format_offset(zone(settings["timezone"]), now),
        "numberOfSlots": len(slots),
        "schedules": [
            {"slotNumber": s.slot_number, "hour": s.hour, "minute": s.minute, "second": s.second, "label": s.label}
            for s in slots
        ],
        "isEnabled": bool(settings["isEnabled"]),
        "nextExecutions": next_execution_list(effective_schedule(settings), now),
        "createdAt": settings["createdAt"],
        "updatedAt": settings["updatedAt"],
    }


def cron_status_view(settings: dict | None, now: datetime) -> dict:
    """The public ``/cron-status`` (BRIEF section 5): nothing about amounts, admins or tokens."""
    schedule = effective_schedule(settings)
    slots = schedule.slots
    view = {
        "status": "active" if schedule.enabled else "inactive",
        "mode": "dynamic" if schedule.saved else "fixed",
        "timezone": label(schedule.zone_name, now),
        "numberOfSlots": len(slots),
        "isEnabled": schedule.enabled,
        "schedules": [
            {"slotNumber": s.slot_number, "scheduledTime": s.scheduled_time, "label": s.label} for s in slots
        ],
        "lastUpdate": schedule.updated_at or to_iso(now),
        "message": (
            f"Distribution cron is active with {len(slots)} slot(s)"
            if schedule.enabled
            else "Distribution cron is disabled: no slot will run until it is enabled"
        ),
    }
    upcoming = next_execution_list(schedule, now)
    if upcoming:
        first = upcoming[0]
        view["nextExecution"] = {"slot": first["slotNumber"], "time": first["scheduledFor"], "label": first["label"]}
    return view


def preview_view(slots: list[Slot], zone_name: str, now: datetime, count: int = 5) -> dict:
    """The ``data`` of the schedule preview: the next ``count`` executions of an unsaved schedule,
    from the same maths as a saved schedule's ``nextExecutions``."""
    tz = zone(zone_name)
    return {
        "currentTime": to_iso(now),
        "timezone": zone_name,
        "nextExecutions": [
            {
                "slotNumber": slot.slot_number,
                "slotTime": slot.scheduled_time,
                "label": slot.label,
                "nextRun": to_iso(at),
                "localTime": to_local_iso(at, tz),
                "timeUntil": describe_duration((at - now).total_seconds()),
            }
            for slot, at in upcoming_executions(slots, tz, now, count)
        ],
    }


def wire(value: Decimal) -> float:
    """An amount as a JSON number: rounded half-up to the cent. (Amounts within the contract's bound,
    below 10^13 with cents, have at most 15 significant digits: a JavaScript number reads them exactly.)"""
    return float(money(value))


def wire_percent(value: Decimal) -> float:
    return float(value)


def execution_view(details: dict | None) -> dict | None:
    """A stored execution (totals as exact decimal strings) as the wire shows it."""
    if details is None:
        return None
    view = dict(details)
    for stats in ("rosStats", "premiumPoolStats", "performancePoolStats"):
        view[stats] = {**details[stats], "totalDistributed": wire(exact(details[stats]["totalDistributed"]))}
    return view


def empty_status(today: str) -> dict:
    return {
        "today": today,
        "status": "EMPTY",
        "scheduledFor": None,
        "values": {"rosPercentage": 0, "premiumPoolAmount": 0, "performancePoolAmount": 0, "description": ""},
        "multiSlotEnabled": False,
        "distributionSlots": [],
        "lastExecution": None,
    }


def status_view(day: dict | None, slots: Sequence[dict], today: str, projection: Projection | None = None) -> dict:
    """The ``data`` of ``GET .../today/status`` from a stored day and its stored slots (and, for the
    ``distributionTotals``, the day's ledger and the stakes active now)."""
    if day is None:
        return empty_status(today)
    view = _day_status(day, slots)
    if projection is not None:
        view["distributionTotals"] = distribution_totals(day, slots, projection)
    return view


def _day_status(day: dict, slots: Sequence[dict]) -> dict:
    ordered = sorted(slots, key=lambda s: s["slotNumber"])
    pending = [s for s in ordered if s["status"] == "PENDING"]
    scheduled_for = (
        min(s["scheduledFor"] for s in pending) if pending else ordered[-1]["scheduledFor"] if ordered else None
    )
    finished = [s for s in ordered if s["status"] in ("COMPLETED", "FAILED") and s.get("executionDetails")]
    last = max(finished, key=lambda s: (s["executionDetails"]["executedAt"], s["slotNumber"]), default=None)
    values = day["values"]
    return {
        "today": day["date"],
        "status": overall_status([s["status"] for s in ordered]),
        "scheduledFor": scheduled_for,
        "values": {
            "rosPercentage": wire_percent(exact(values["rosPercentage"])),
            "premiumPoolAmount": wire(exact(values["premiumPoolAmount"])),
            "performancePoolAmount": wire(exact(values["performancePoolAmount"])),
            "description": values.get("description", ""),
        },
        "multiSlotEnabled": day["multiSlotEnabled"],
        "distributionSlots": [
            {
                "slotNumber": s["slotNumber"],
                "rosPercentage": wire_percent(exact(s["rosPercentage"])),
                "scheduledFor": s["scheduledFor"],
                "scheduledTime": s["scheduledTime"],
                "label": s["label"],
                "status": s["status"],
                "executionDetails": execution_view(s.get("executionDetails")),
            }
            for s in ordered
        ],
        "lastExecution": (
            {"status": last["status"], "slotNumber": last["slotNumber"], **execution_view(last["executionDetails"])}
            if last
            else None
        ),
    }


@dataclass(frozen=True)
class Projection:
    """What the totals card needs beyond the day itself: the ledger and who is paid now."""

    paid: dict[str, Decimal]  # the day's ledger, per kind (ros, premium, performance)
    ros_payout: Callable[[Decimal], Decimal]  # what one slot of this ROS pays the active stakes now
    active_stakes: int
    pools_with_qualifiers: frozenset[str]  # "premium" / "performance" when someone shares that pool


STAKE_ROS_NOTE = (
    "Each active stake earns amount x slot ROS / 100 at every slot; the pool budget is the declared pool "
    "amounts (or, when the queue sent none, 10% of the scheduled ROS payout, split 50/50)."
)
PROJECTION_DISCLAIMER = (
    "Projected from the stakes active now; stakes that open or close before a slot runs change what it pays."
)


def distribution_totals(day: dict, slots: Sequence[dict], projection: Projection) -> dict:
    """The ``distributionTotals`` of today's status (the current app's "Daily payout summary")."""
    values = day["values"]
    premium, performance = exact(values["premiumPoolAmount"]), exact(values["performancePoolAmount"])
    paid = projection.paid
    pending = [s for s in slots if s["status"] == "PENDING"]
    remaining = sum((projection.ros_payout(exact(s["rosPercentage"])) for s in pending), Decimal(0))
    pools_left = sum(
        (exact(s[f"{pool}PoolAmount"]) for s in pending for pool in projection.pools_with_qualifiers), Decimal(0)
    )
    pools_paid = paid["premium"] + paid["performance"]
    totals = {
        "currency": "USDT",
        "scheduled": {
            "poolBudgetTotalUSDT": wire(premium + performance),
            "premiumPoolScheduledUSDT": wire(premium),
            "performancePoolScheduledUSDT": wire(performance),
            "stakeRosNote": STAKE_ROS_NOTE,
        },
        "projected": {
            "stakeRosFullDayUSDT": wire(paid["ros"] + remaining),
            "stakeRosRemainingSlotsUSDT": wire(remaining),
            "stakeRosCompletedSlotsUSDT": wire(paid["ros"]),
            "activeStakesConsidered": projection.active_stakes,
            "poolQualifiersEstimatedUSDT": wire(pools_paid + pools_left),
            "grandTotalEstimatedUSDT": wire(paid["ros"] + remaining + pools_paid + pools_left),
            "disclaimer": PROJECTION_DISCLAIMER,
        },
        "actual": {
            "stakeRosTotalUSDT": wire(paid["ros"]),
            "stakeRosProcessedStakesReported": sum(
                (s.get("executionDetails") or {}).get("rosStats", {}).get("processedStakes", 0) for s in slots
            ),
            "poolPaidToQualifiersTotalUSDT": wire(pools_paid),
            "premiumPoolPaidUSDT": wire(paid["premium"]),
            "performancePoolPaidUSDT": wire(paid["performance"]),
            "poolsDistributed": pools_paid > 0,
        },
        # present for a single-slot day too: the card's slot counts are read unguarded (BRIEF section 11)
        "multiSlot": {
            "completedSlots": sum(1 for s in slots if s["status"] == "COMPLETED"),
            "totalSlots": len(slots),
            "pendingSlots": len(pending),
        },
    }
    return totals


def qualifier_counts(investors: Sequence[dict], pools: dict[str, dict]) -> dict:
    """The ``data`` of ``GET /api/v1/admin/pool/qualifiers``: the investors (with active stakes) that
    share each pool, by rank - the same people ``slot_payout`` shares the pools among."""

    def pool(name: str) -> dict:
        ranks = pools[name]["ranks"]
        by_rank = {rank: sum(1 for i in investors if i.get("rank") == rank) for rank in ranks}
        return {"totalQualifiers": sum(by_rank.values()), "byRank": by_rank, "description": pools[name]["description"]}

    return {
        "performancePool": pool("performance"),
        "premiumPool": pool("premium"),
        "note": "Counted from investors with active stakes; each slot's pool amount is shared equally among them.",
    }


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
