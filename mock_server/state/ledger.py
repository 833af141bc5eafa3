"""What was paid: one entry per (date, slot), holding each beneficiary once.

An entry keeps its payments as one JSON text (``payments``: kind -> beneficiary -> amount) beside
their ``totals``: MongoDB and mongomock copy a string at once where they would copy a map of every
stake key by key, and the totals, which most reads want, are read without the payments. Readers get
the entry decoded: ``{date, slotNumber, ros: {...}, premium: {...}, performance: {...}}``.

Exactly-once payment: ``payouts._id = date:NN`` holds each active stake once, so a (stake, date,
slot) is paid at most once even if two workers race past the claim.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from pymongo.errors import DuplicateKeyError

from ..domain.distribution import KINDS, Payment, exact
from .changes import Changes, Concept, Key
from .database import Collections, Repository, as_text, slot_key


@dataclass(frozen=True)
class EncodedPayout:
    """A slot's payments as its ledger entry stores them: the JSON text and the totals per kind."""

    text: str
    totals: Mapping[str, str]


def encode(payments: Iterable[Payment]) -> EncodedPayout:
    paid: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    totals = {kind: Decimal(0) for kind in KINDS}
    for payment in payments:
        paid[payment.kind][payment.beneficiary] = str(payment.amount)
        totals[payment.kind] += payment.amount
    return EncodedPayout(as_text(paid), MappingProxyType({kind: str(total) for kind, total in totals.items()}))


Payees = tuple[frozenset[str], frozenset[str]]  # the investors an entry pays; those paid from a pool


def _decoded(doc: dict) -> dict:
    return {"date": doc["date"], "slotNumber": doc["slotNumber"], **json.loads(doc["payments"])}


def _paid(docs: Iterable[dict]) -> dict[str, Decimal]:
    """What stored ledger entries paid, per kind (their ``totals``)."""
    paid = {kind: Decimal(0) for kind in KINDS}
    for doc in docs:
        for kind in KINDS:
            paid[kind] += exact(doc["totals"][kind])
    return paid


class Ledger(Repository):
    concept = Concept.LEDGER

    def __init__(
        self, db: Collections, changes: Changes, atomic: threading.Lock, owners: Callable[[], Mapping[str, str]]
    ) -> None:
        super().__init__(db, changes, atomic)
        self.owners = owners  # stake id -> investor (``Stakes.owners``)

    def record(self, date: str, slot_number: int, payout: EncodedPayout | Iterable[Payment]) -> bool:
        """The slot's ledger entry; False (and nothing written) if that slot of that day was paid.

        One map per kind (``ros``: stake -> amount, ``premium``/``performance``: user -> amount), so
        a beneficiary appears at most once per (date, slot) by construction.
        """
        encoded = payout if isinstance(payout, EncodedPayout) else encode(payout)
        entry = {
            "_id": slot_key(date, slot_number),
            "date": date,
            "slotNumber": slot_number,
            "totals": dict(encoded.totals),
            "payments": encoded.text,
        }
        try:
            with self._writing(), self.atomic:
                self.db.payouts.insert_one(entry)
        except DuplicateKeyError:
            return False
        return True

    def entry(self, date: str, slot_number: int) -> dict | None:
        found = self.db.payouts.find_one({"_id": slot_key(date, slot_number)})
        return _decoded(found) if found else None

    def entries(self, date: str | None = None) -> list[dict]:
        query = {"date": date} if date else {}
        return [_decoded(doc) for doc in self.db.payouts.find(query).sort([("date", 1), ("slotNumber", 1)])]

    def paid(self, date: str) -> dict[str, Decimal]:
        """What the ledger holds as paid on ``date``, per kind (``ros``, ``premium``, ``performance``)."""
        return self.changes.cached(
            Key.PAID, lambda: _paid(self.db.payouts.find({"date": date}, {"totals": True})), date
        )

    def summaries(self, dates: Iterable[str]) -> dict[str, dict]:
        """Per date: ``{"paid": {kind: Decimal}, "usersPaid": n, "poolRecipients": m}``: the distinct
        investors paid anything (a stake's ROS counts for its owner), and those of them paid from
        either pool."""
        by_date: dict[str, list[dict]] = {date: [] for date in dates}
        for doc in self.db.payouts.find({"date": {"$in": list(by_date)}}):
            by_date[doc["date"]].append(doc)
        summaries = {}
        for day, docs in by_date.items():
            users: set[str] = set()
            pool_users: set[str] = set()
            for doc in docs:
                paid, pooled = self._payees(doc["payments"])
                users |= paid
                pool_users |= pooled
            summaries[day] = {"paid": _paid(docs), "usersPaid": len(users), "poolRecipients": len(pool_users)}
        return summaries

    def _payees(self, text: str) -> Payees:
        """The investors a payments text pays (a stake's ROS counts for its owner), and those of them
        it pays from either pool: kept per text, as the slots of a day, and of every day, often pay alike."""

        def read() -> Payees:
            payments, owners = json.loads(text), self.owners()
            pooled = frozenset().union(*(payments[kind] for kind in ("premium", "performance")))
            return frozenset({owners.get(stake, stake) for stake in payments["ros"]} | pooled), pooled

        return self.changes.cached(Key.PAYEES, read, text, shared=True)
