"""Today's status as the wire shows it: the day, its slots and their executions, the payout summary
(``distributionTotals``), and the pools' qualifiers.

Pure: stored documents in, dicts out; money through ``views.money``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..domain.distribution import exact, overall_status
from .money import wire, wire_percent


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
    share each pool, by rank - the same people the runner shares the pools among."""

    def pool(name: str) -> dict:
        ranks = pools[name]["ranks"]
        by_rank = {rank: sum(1 for i in investors if i.get("rank") == rank) for rank in ranks}
        return {"totalQualifiers": sum(by_rank.values()), "byRank": by_rank, "description": pools[name]["description"]}

    return {
        "performancePool": pool("performance"),
        "premiumPool": pool("premium"),
        "note": "Counted from investors with active stakes; each slot's pool amount is shared equally among them.",
    }
