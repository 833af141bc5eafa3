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
        if _is_number(value) and places(exact(value)) > PERCENT_PLACES
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
    total = sum((exact(entry["rosPercentage"]) for entry in slots), Decimal(0))
    mismatch = sum_mismatch(body["rosPercentage"], exact(body["rosPercentage"]), total)
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

    def total(self, kind: str) -> Decimal:
        return sum((p.amount for p in self.payments if p.kind == kind), Decimal(0))

    def count(self, kind: str) -> int:
        return sum(1 for p in self.payments if p.kind == kind)

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


def slot_payout(
    stakes: Iterable[Stake],
    ros_percentage: Decimal,
    premium_amount: Decimal,
    premium_users: Sequence[str],
    performance_amount: Decimal,
    performance_users: Sequence[str],
) -> SlotPayout:
    """What one slot pays: every active stake ``amount x ROS / 100`` and this slot's pool shares."""
    return SlotPayout(
        ros_payments(stakes, ros_percentage)
        + pool_payments(premium_amount, premium_users, performance_amount, performance_users)
    )


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


def validate_modification(body: dict) -> list[str]:
    """``x-rules: modify``: decimals, and each slot named at most once. Defensive like the others."""
    problems = validate_queue({k: v for k, v in body.items() if k != "multiSlotEnabled"}, [])
    slots = body.get("distributionSlots")
    if isinstance(slots, list):
        numbers = [e.get("slotNumber") for e in slots if isinstance(e, dict)]
        for number in sorted({n for n in numbers if isinstance(n, int) and numbers.count(n) > 1}):
            problems.append(f"distributionSlots: slot {number} is named more than once")
    return problems


class DayNotModifiable(Exception):
    """The day's state does not allow the change (a slot has run; less than was already paid)."""


class InvalidModification(Exception):
    """The modification itself is wrong (a slot that is not part of the day; ROS not the sum)."""


def _ros_changes(day: dict, by_number: dict[int, dict], pending: list[int], body: dict) -> dict[int, Decimal]:
    """The new ROS of each slot the body changes; only PENDING slots of the day may change."""
    changes = {e["slotNumber"]: exact(e["rosPercentage"]) for e in body.get("distributionSlots") or []}
    if not day["multiSlotEnabled"] and "rosPercentage" in body and not changes:
        changes = {1: exact(body["rosPercentage"])}
    for number in changes:
        if number not in by_number:
            raise InvalidModification(
                f"distributionSlots: slot {number} is not part of today's distribution {sorted(by_number)}"
            )
        if number not in pending:
            raise DayNotModifiable(
                f"Slot {number} has already run ({by_number[number]['status']}); only PENDING slots can change"
            )
    return changes


def _pool_shares(field: str, body: dict, paid: dict[str, Decimal], pending: list[int]) -> dict[int, Decimal]:
    """A new pool amount, less what the finished slots paid, split over the PENDING slots."""
    already = paid.get(field, Decimal(0))
    wanted = exact(body[field])
    if wanted < already:
        raise DayNotModifiable(f"{field}: {body[field]} is less than the {already} already paid by the slots that ran")
    return dict(zip(pending, split_evenly(wanted - already, len(pending)), strict=True))


def plan_modification(
    day: dict, slots: Sequence[dict], body: dict, paid: dict[str, Decimal]
) -> tuple[dict, dict[int, dict]]:
    """What a ``today/modify`` body changes: the day's new values and each PENDING slot's new fields.

    Only PENDING slots change; a slot that has run cannot (409). A new pool amount is re-split over
    the PENDING slots after what the finished slots already paid (``paid``, per amount field, from
    the ledger).
    """
    by_number = {s["slotNumber"]: s for s in slots}
    pending = sorted(n for n, s in by_number.items() if s["status"] == "PENDING")
    if not pending:
        raise DayNotModifiable("Every slot of today has already run; nothing can change")
    updates: dict[int, dict] = {n: {} for n in pending}
    ros = {n: exact(s["rosPercentage"]) for n, s in by_number.items()}
    for number, value in _ros_changes(day, by_number, pending, body).items():
        ros[number] = value
        updates[number]["rosPercentage"] = str(value)
    total = sum(ros.values(), Decimal(0))
    mismatch = (
        day["multiSlotEnabled"]
        and "rosPercentage" in body
        and sum_mismatch(body["rosPercentage"], exact(body["rosPercentage"]), total)
    )
    if mismatch:
        raise InvalidModification(mismatch)
    values = {**day["values"], "rosPercentage": str(total)}
    for field in ("premiumPoolAmount", "performancePoolAmount"):
        if field in body:
            for number, share in _pool_shares(field, body, paid, pending).items():
                updates[number][field] = str(share)
            values[field] = str(exact(body[field]))
    if "description" in body:
        values["description"] = body["description"]
    return values, {n: fields for n, fields in updates.items() if fields}


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
        return [exact(entry["rosPercentage"]) for entry in body["distributionSlots"]]
    return [exact(body["rosPercentage"])]


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
        ros_by_slot = {entry["slotNumber"]: exact(entry["rosPercentage"]) for entry in body["distributionSlots"]}
        slots = list(schedule.slots)
    else:
        zone_name = LEGACY_ZONE
        slots = list(LEGACY_SLOTS)
        ros_by_slot = {1: exact(body["rosPercentage"])}
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
            "rosPercentage": str(exact(body["rosPercentage"])),
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
