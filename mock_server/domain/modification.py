"""Editing today's queued distribution (``today/modify``): which slots may change, and how.

Pure functions over plain values, like the rest of ``domain``: the stored day and its slots in, the
day's new values and each PENDING slot's new fields out.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .distribution import exact, percentage, split_evenly, sum_mismatch, validate_queue


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
    """The new ROS of each slot the body changes; only PENDING slots of the day may change.

    The admin app sends every slot, those that already ran included, with the values it loaded
    (BRIEF section 11): a slot that ran, named with its recorded ROS, is left out; another ROS for it
    is refused (409), naming the slot."""
    named = {e["slotNumber"]: percentage(e["rosPercentage"]) for e in body.get("distributionSlots") or []}
    if not day["multiSlotEnabled"] and "rosPercentage" in body and not named:
        named = {1: percentage(body["rosPercentage"])}
    changes = {}
    for number, value in named.items():
        if number not in by_number:
            raise InvalidModification(
                f"distributionSlots: slot {number} is not part of today's distribution {sorted(by_number)}"
            )
        if number in pending:
            changes[number] = value
            continue
        recorded = exact(by_number[number]["rosPercentage"])
        if value != recorded:
            raise DayNotModifiable(
                f"Slot {number} has already run ({by_number[number]['status']}) with ROS {recorded.normalize()}; "
                f"it cannot change to {value.normalize()}: only PENDING slots can change"
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
        and sum_mismatch(body["rosPercentage"], percentage(body["rosPercentage"]), total)
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
