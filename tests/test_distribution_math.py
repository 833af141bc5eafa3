"""Distribution maths: the one rounding rule, pool splits, payouts, overall status, queue rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mock_server.domain.distribution import (
    SlotPayout,
    Stake,
    money,
    overall_status,
    pool_payments,
    ros_payments,
    split_evenly,
    validate_queue,
)
from mock_server.engine.runner import stored_stats
from mock_server.views.status import execution_view, status_view


def test_money_rounds_half_up_to_the_cent():
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("0.015")) == Decimal("0.02")
    assert money(Decimal("2.675")) == Decimal("2.68")  # a binary float would give 2.67
    assert money(Decimal("-0.005")) == Decimal("-0.01")


@pytest.mark.parametrize(
    ("total", "parts"),
    [("10000", 3), ("1000000000.01", 3), ("0.01", 3), ("5000", 7), ("1234.56", 10), ("0", 4)],
)
def test_split_evenly_adds_up_exactly(total, parts):
    shares = split_evenly(Decimal(total), parts)
    assert len(shares) == parts and sum(shares) == Decimal(total)
    assert all(share == money(share) for share in shares)
    assert max(shares) - min(shares) <= Decimal("0.01") * parts


def test_split_evenly_last_takes_the_remainder():
    assert split_evenly(Decimal("10000"), 3) == [Decimal("3333.33"), Decimal("3333.33"), Decimal("3333.34")]
    assert split_evenly(Decimal("1"), 0) == []


def test_a_slot_pays_each_stake_and_shares_pools():
    """The runner's payout of a slot: each stake's ROS (``ros_payments``) and the slot's pool shares
    (``pool_payments``) in one ``SlotPayout``, stored as exact decimal strings, shown rounded."""
    stakes = [Stake("s1", "u1", Decimal("1000")), Stake("s2", "u2", Decimal("333.33"))]
    ros = ros_payments(stakes, Decimal("1.5"))
    assert [(p.kind, p.beneficiary, p.amount) for p in ros] == [
        ("ros", "s1", Decimal("15.00")),
        ("ros", "s2", Decimal("5.00")),  # 4.99995, half-up to the cent
    ]
    pools = pool_payments(Decimal("100"), ["u1", "u2", "u3"], Decimal("0"), [])
    assert [(p.kind, p.beneficiary, p.amount) for p in pools] == [
        ("premium", "u1", Decimal("33.33")),
        ("premium", "u2", Decimal("33.33")),
        ("premium", "u3", Decimal("33.34")),  # the last share takes the remainder
    ]
    payout = SlotPayout(ros + pools)
    assert payout.totals() == {
        "ros": (2, Decimal("20.00")),
        "premium": (3, Decimal("100.00")),
        "performance": (0, Decimal(0)),
    }
    stored = stored_stats(payout)  # storage keeps exact decimal strings, never a float
    assert stored["rosStats"] == {"processedStakes": 2, "totalDistributed": "20.00"}
    assert stored["premiumPoolStats"] == {"usersReceived": 3, "totalDistributed": "100.00"}
    shown = execution_view({"executedAt": "x", "executionTimeMs": 0, **stored, "error": None})
    assert shown["rosStats"] == {"processedStakes": 2, "totalDistributed": 20.0}
    assert shown["performancePoolStats"] == {"usersReceived": 0, "totalDistributed": 0.0}


def test_a_pool_nobody_qualifies_for_pays_nothing():
    assert pool_payments(Decimal("50"), [], Decimal("25"), []) == ()
    assert stored_stats(SlotPayout(()))["premiumPoolStats"] == {"usersReceived": 0, "totalDistributed": "0"}


@pytest.mark.parametrize(
    ("statuses", "overall"),
    [
        ([], "EMPTY"),
        (["PENDING", "PENDING"], "PENDING"),
        (["COMPLETED", "PENDING"], "PENDING"),
        (["COMPLETED", "EXECUTING", "FAILED"], "EXECUTING"),
        (["COMPLETED", "FAILED", "PENDING"], "FAILED"),
        (["COMPLETED", "COMPLETED"], "COMPLETED"),
    ],
)
def test_overall_status_rule(statuses, overall):
    assert overall_status(statuses) == overall


def test_status_view_of_nothing_queued():
    view = status_view(None, [], "2026-02-12")
    assert view["status"] == "EMPTY" and view["scheduledFor"] is None and view["lastExecution"] is None


QUEUE = {"multiSlotEnabled": True, "rosPercentage": 4.5, "premiumPoolAmount": 1, "performancePoolAmount": 1}


def test_queue_rules():
    slots = [
        {"slotNumber": 1, "rosPercentage": 1.5},
        {"slotNumber": 2, "rosPercentage": 2.0},
        {"slotNumber": 3, "rosPercentage": 1.0},
    ]
    assert validate_queue({**QUEUE, "distributionSlots": slots}, [1, 2, 3]) == []
    assert any(
        "sum" in p for p in validate_queue({**QUEUE, "rosPercentage": 4.4, "distributionSlots": slots}, [1, 2, 3])
    )
    assert any("missing" in p for p in validate_queue({**QUEUE, "distributionSlots": slots[:2]}, [1, 2, 3]))
    assert any("not configured" in p for p in validate_queue({**QUEUE, "distributionSlots": slots}, [1, 2]))
    assert any("decimal" in p for p in validate_queue({"rosPercentage": 1.00001}, []))
    assert validate_queue({"rosPercentage": 1.1}, []) == []  # 1.1 is not a float artefact here
    assert validate_queue({**QUEUE, "distributionSlots": "nope"}, [1]) == []  # the schema reports that
