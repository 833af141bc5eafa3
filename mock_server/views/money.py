"""Money on the wire: ``Decimal`` leaves the mock here and only here, by one rule: rounded half-up to
the cent (``money``), then written as a JSON number."""

from __future__ import annotations

from decimal import Decimal

from ..domain.distribution import money


def wire(value: Decimal) -> float:
    """An amount as a JSON number: rounded half-up to the cent. (Amounts within the contract's bound,
    below 10^13 with cents, have at most 15 significant digits: a JavaScript number reads them exactly.)"""
    return float(money(value))


def wire_percent(value: Decimal) -> float:
    """A percentage as a JSON number, as stored (at most four decimals: no rounding to make)."""
    return float(value)
