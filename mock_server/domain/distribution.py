"""Distribution maths and rules: queue validation, payouts, pool shares, per-slot status.

Pure functions over plain values. Money is ``Decimal`` throughout; the one rounding rule is
**half-up to the cent** (``money``), applied to each payment when it is recorded and to each
figure when it is shown. Totals are sums of recorded payments, so they are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from .schedule import LEGACY_SLOTS, LEGACY_ZONE, EffectiveSchedule, Slot, day_end, slot_instant, to_iso

CENT = Decimal("0.01")
# Enough digits for any amount the contract admits (< 10^13) times any percentage, exactly.
MONEY_CONTEXT = Context(prec=60)
HUNDRED = Decimal(100)
PERCENT_PLACES = 4


def exact(number: float | int | str | Decimal) -> Decimal:
    """The decimal a JSON number or stored string stands for (``2.0`` -> ``Decimal('2.0')``)."""
    if isinstance(number, Decimal):
        return number
    return Decimal(str(number))


def money(value: Decimal) -> Decimal:
    """The rounding rule: half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=MONEY_CONTEXT)


PERCENT_STEP = Decimal(1).scaleb(-PERCENT_PLACES)
FLOAT_SLACK = Decimal("1e-9")  # BRIEF §11: what a JavaScript float sum is off by, at the most


def percentage(number: float | int | str | Decimal) -> Decimal:
    """The percentage a JSON number stands for. A number within 1e-9 of a value with at most four
    decimals **is** that value: the admin app sums its slots in JavaScript floats and sends
    ``0.1 + 0.2`` as ``0.30000000000000004`` (BRIEF section 11). Any other number is as given (and
    refused by ``_percent_places`` when it has more than four decimals)."""
    given = exact(number)
    if not given.is_finite() or abs(given) >= 10**12 or places(given) <= PERCENT_PLACES:
        return given
    nearest = given.quantize(PERCENT_STEP, context=MONEY_CONTEXT)  # how ties round cannot matter this close
    if abs(given - nearest) > FLOAT_SLACK:
        return given
    return nearest.quantize(Decimal(1)) if nearest == nearest.to_integral_value() else nearest.normalize()


def places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def sum_mismatch(given_text, given: Decimal, total: Decimal) -> str | None:
    """The problem line when a total ROS is not the sum of the slots' (equal to 4 decimals)."""
    if abs(given - total) < Decimal("0.00005"):  # a comparison cannot overflow, unlike quantize
        return None
    return f"rosPercentage is {given_text} but the slots add up to {total.normalize()}; it must equal their sum"


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _percent_places(body: dict, slots: list[dict]) -> list[str]:
    fields = [("rosPercentage", body.get("rosPercentage"))]
    fields += [(f"distributionSlots[{i}].rosPercentage", entry.get("rosPercentage")) for i, entry in enumerate(slots)]
    return [
        f"{field}: {value} has more than {PERCENT_PLACES} decimal places"
        for field, value in fields
        if _is_number(value) and places(percentage(value)) > PERCENT_PLACES
    ]


def _slot_set(numbers: list[int], configured: Sequence[int]) -> list[str]:
    """``distributionSlots`` must name exactly the configured slots, once each."""
    problems = [
        f"distributionSlots: slot {n} is named more than once"
        for n in sorted({n for n in numbers if numbers.count(n) > 1})
    ]
    problems += [
        f"distributionSlots: slot {n} is not configured (the schedule has slots {list(configured)})"
        for n in sorted(set(numbers) - set(configured))
    ]
    problems += [f"distributionSlots: configured slot {n} is missing" for n in sorted(set(configured) - set(numbers))]
    return problems


def validate_queue(body: dict, configured: Sequence[int]) -> list[str]:
    """Rules of BRIEF section 6 the schema cannot express, one line per problem.

    ``configured`` is the list of slot numbers of the current schedule. Defensive: it may see a
    body that also fails the schema, and then judges only what it can.
    """
    slots = body.get("distributionSlots")
    slots = slots if isinstance(slots, list) and all(isinstance(e, dict) for e in slots) else []
    problems = _percent_places(body, slots)
    judgeable = all(isinstance(e.get("slotNumber"), int) and _is_number(e.get("rosPercentage")) for e in slots)
    if body.get("multiSlotEnabled") is not True or not slots or not judgeable:
        return problems
    problems += _slot_set([entry["slotNumber"] for entry in slots], configured)
    if not _is_number(body.get("rosPercentage")):
        return problems
    total = sum((percentage(entry["rosPercentage"]) for entry in slots), Decimal(0))
    mismatch = sum_mismatch(body["rosPercentage"], percentage(body["rosPercentage"]), total)
    return [*problems, mismatch] if mismatch else problems


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` equal cents-rounded shares; the last takes the remainder.

    The shares always add up to ``money(total)`` exactly.
    """
    if parts <= 0:
        return []
    whole = money(total)
    share = money(whole / parts)
    shares = [share] * (parts - 1)
    shares.append(whole - sum(shares, Decimal(0)))
    return shares


def stake_ros(amount: Decimal, ros_percentage: Decimal) -> Decimal:
    """What one stake earns at one slot: ``amount x ROS / 100``, half-up to the cent. The payouts and
    the projections (payout summary, 10% pool budget) all use this one rule."""
    return money(amount * ros_percentage / HUNDRED)


@dataclass(frozen=True)
class Stake:
    stake_id: str
    user_id: str
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    """One recorded payment: a stake's ROS, or a user's pool share."""

    kind: str  # "ros" | "premium" | "performance"
    beneficiary: str  # stake id for ROS, user id for pool shares
    amount: Decimal


KINDS = ("ros", "premium", "performance")


@dataclass(frozen=True)
class SlotPayout:
    payments: tuple[Payment, ...]

    def totals(self) -> dict[str, tuple[int, Decimal]]:
        """Per kind (``ros``, ``premium``, ``performance``): how many were paid and how much in all."""
        return dict(self._totals)

    @cached_property
    def _totals(self) -> dict[str, tuple[int, Decimal]]:
        counts = dict.fromkeys(KINDS, 0)
        sums = dict.fromkeys(KINDS, Decimal(0))
        for payment in self.payments:
            counts[payment.kind] += 1
            sums[payment.kind] += payment.amount
        return {kind: (counts[kind], sums[kind]) for kind in KINDS}


def ros_payments(stakes: Iterable[Stake], ros_percentage: Decimal) -> tuple[Payment, ...]:
    """Each active stake's ROS at a slot of ``ros_percentage``: ``amount x ROS / 100``."""
    return tuple(Payment("ros", stake.stake_id, stake_ros(stake.amount, ros_percentage)) for stake in stakes)


def pool_payments(
    premium_amount: Decimal, premium_users: Sequence[str], performance_amount: Decimal, performance_users: Sequence[str]
) -> tuple[Payment, ...]:
    """A slot's pool amounts, each split evenly among its qualifiers."""
    return tuple(
        Payment(kind, user, share)
        for kind, amount, users in (
            ("premium", premium_amount, premium_users),
            ("performance", performance_amount, performance_users),
        )
        for user, share in zip(users, split_evenly(amount, len(users)), strict=True)
    )


def overall_status(slot_statuses: Sequence[str]) -> str:
    """BRIEF section 7: EXECUTING > FAILED > all COMPLETED > PENDING; EMPTY with no slots."""
    if not slot_statuses:
        return "EMPTY"
    if "EXECUTING" in slot_statuses:
        return "EXECUTING"
    if "FAILED" in slot_statuses:
        return "FAILED"
    if all(status == "COMPLETED" for status in slot_statuses):
        return "COMPLETED"
    return "PENDING"


POOL_BUDGET_SHARE = Decimal("0.10")  # BRIEF §10: "(Total ROS x 10%) split 50/50"


def ros_payout(stake_amounts: Iterable[Decimal], ros_percentage: Decimal) -> Decimal:
    """What one slot of ``ros_percentage`` pays these stakes: each ``amount x ROS / 100`` to the cent."""
    return sum((stake_ros(amount, ros_percentage) for amount in stake_amounts), Decimal(0))


def formula_pools(scheduled_ros: Decimal) -> tuple[Decimal, Decimal]:
    """The pools of a queue that sent none: 10% of the day's scheduled ROS payout (to the cent),
    premium half of it (to the cent) and performance the rest, so they add up to the budget."""
    premium, performance = split_evenly(scheduled_ros * POOL_BUDGET_SHARE, 2)
    return premium, performance


def slot_ros_of(body: dict) -> list[Decimal]:
    """The ROS of each slot a queue body plans (one slot for the legacy body)."""
    if body.get("multiSlotEnabled"):
        return [percentage(entry["rosPercentage"]) for entry in body["distributionSlots"]]
    return [percentage(body["rosPercentage"])]


def with_pools(body: dict, stake_amounts: Sequence[Decimal]) -> dict:
    """The queue body with each missing pool amount taken from the 10% formula (``formula_pools``)."""
    if "premiumPoolAmount" in body and "performancePoolAmount" in body:
        return body
    scheduled = sum((ros_payout(stake_amounts, ros) for ros in slot_ros_of(body)), Decimal(0))
    premium, performance = formula_pools(scheduled)
    return {"premiumPoolAmount": premium, "performancePoolAmount": performance, **body}


def plan_day(body: dict, schedule: EffectiveSchedule, day: date, now: datetime) -> tuple[dict, list[dict]]:
    """The day a queue body plans, as plain data (the store keeps it as it is): the day's values and
    each slot's snapshot, its time fixed now whatever the schedule does later (BRIEF §6). A legacy
    single-slot body runs at the legacy time in the legacy zone, whatever the schedule."""
    multi = bool(body.get("multiSlotEnabled"))
    if multi:
        zone_name = schedule.zone_name
        ros_by_slot = {entry["slotNumber"]: percentage(entry["rosPercentage"]) for entry in body["distributionSlots"]}
        slots = list(schedule.slots)
    else:
        zone_name = LEGACY_ZONE
        slots = list(LEGACY_SLOTS)
        ros_by_slot = {1: percentage(body["rosPercentage"])}
    tz = ZoneInfo(zone_name)
    premium = split_evenly(exact(body["premiumPoolAmount"]), len(slots))
    performance = split_evenly(exact(body["performancePoolAmount"]), len(slots))
    iso_day = day.isoformat()
    ends = to_iso(day_end(day, tz))
    slot_docs = [
        _slot_doc(iso_day, slot, slot_instant(day, slot, tz), ros_by_slot[slot.slot_number], share_p, share_f, ends)
        for slot, share_p, share_f in zip(slots, premium, performance, strict=True)
    ]
    day_doc = {
        "date": iso_day,
        "timezone": zone_name,
        "multiSlotEnabled": multi,
        "values": {
            "rosPercentage": str(percentage(body["rosPercentage"])),
            "premiumPoolAmount": str(exact(body["premiumPoolAmount"])),
            "performancePoolAmount": str(exact(body["performancePoolAmount"])),
            "description": body.get("description") or "",
        },
        "createdAt": to_iso(now),
        "dayEnd": ends,
    }
    return day_doc, slot_docs


def _slot_doc(day: str, slot: Slot, at: datetime, ros, premium, performance, ends: str) -> dict:
    return {
        "date": day,
        "slotNumber": slot.slot_number,
        "rosPercentage": str(ros),
        "premiumPoolAmount": str(premium),
        "performancePoolAmount": str(performance),
        "scheduledFor": to_iso(at),
        "scheduledTime": slot.scheduled_time,
        "label": slot.label,
        "status": "PENDING",
        "executionDetails": None,
        "dayEnd": ends,
    }
