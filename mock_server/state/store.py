"""The only module that knows MongoDB: collections, indexes, reads and writes.

The same code runs on mongomock (embedded, the default) and on a real MongoDB (``--mongo-uri``).
Instants are stored as the wire's ISO strings (fixed width, so they sort and compare as time does);
money as decimal strings, so nothing is ever a binary float in storage.

Natural keys are the ``_id``s: a day is its date, a slot ``date:NN``, a ledger entry ``date:NN``.
The primary key is the unique index both engines always enforce (and mongomock checks it by a
dictionary lookup, where it checks a secondary unique index by scanning). So:

- one queue a day: ``distributions._id = date``;
- exactly-once payment: a slot is claimed PENDING -> EXECUTING atomically, once; and its payments are
  one ledger entry ``payouts._id = date:NN`` holding each active stake once, so a (stake, date, slot)
  is paid at most once even if two workers race past the claim.

One small class per concept (``users``, ``schedule``, ``stakes``, ``days``, ``ledger``, ``faults``,
``exports``),
all on one database and one ``Changes`` counter; ``Store`` holds them and resets them together.

Open days live in ``distributions`` / ``distribution_slots``; once a day has ended and nothing of it
is pending, ``Store.archive_ended`` moves it to ``distribution_history``, its slots kept in it as one
JSON text (``slot_history`` holds those archived by earlier versions) and a summary of its ledger in
place of its per-stake entries (memory stays bounded over simulated years). The
collections every request reads stay small (mongomock scans a whole collection on every query).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

import mongomock
import pymongo
from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from ..domain.distribution import KINDS, Payment, Stake, exact
from ..domain.schedule import EffectiveSchedule, effective_schedule
from .fixtures import Fixtures

__all__ = ["DuplicateKeyError", "Store"]

INDEXES: dict[str, list[tuple[list[tuple[str, int]], bool]]] = {
    "users": [([("email", ASCENDING)], True), ([("username", ASCENDING)], True)],
    "investors": [([("rank", ASCENDING)], False)],
    "stakes": [([("isActive", ASCENDING)], False)],
    "distributions": [([("dayEnd", ASCENDING)], False)],
    "distribution_slots": [([("status", ASCENDING), ("scheduledFor", ASCENDING)], False)],
    "distribution_history": [],
    "slot_history": [([("date", ASCENDING)], False)],
    "payouts": [([("date", ASCENDING)], False)],
    "faults": [([("slotNumber", ASCENDING)], False)],
    "exports": [([("createdAt", ASCENDING)], False)],
    "route_faults": [],
}
EXPORTS_KEPT = 20  # download links stay valid for the last this many exports


def as_text(value) -> str:
    """A value stored as one JSON text (compact): MongoDB and mongomock copy a string at once where
    they would walk a map of maps field by field on every write and read. Used for a ledger entry's
    payments, a finished slot's ``executionDetails`` and an archived day's slots; readers decode."""
    return json.dumps(value, separators=(",", ":"), default=str)


def slot_key(date: str, slot_number: int) -> str:
    return f"{date}:{slot_number:02d}"


def connect(mongo_uri: str | None, database: str) -> Database:
    """The database: mongomock's, or the one a MongoDB URI names (``database`` when it names none).

    Raises ``ConnectionError`` (one line, no password) when the URI is wrong or MongoDB does not answer.
    """
    if not mongo_uri:
        return mongomock.MongoClient()[database]
    shown = redact_uri(mongo_uri)
    if not mongo_uri.startswith(("mongodb://", "mongodb+srv://")):
        raise ConnectionError(f"--mongo-uri {shown} is not a MongoDB URI (mongodb://HOST[:PORT]/DATABASE)")
    try:
        client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
        db = client.get_default_database(default=database)
        client.admin.command("ping")
    except pymongo.errors.ConfigurationError as wrong:
        raise ConnectionError(f"--mongo-uri {shown} is not a MongoDB URI: {wrong}") from None
    except (pymongo.errors.PyMongoError, ValueError) as failed:
        reason = str(failed).split(" (configured")[0].split(", Timeout")[0]
        raise ConnectionError(f"cannot reach MongoDB at {shown}: {reason}") from None
    return db


def redact_uri(uri: str) -> str:
    """A MongoDB URI without its password, for messages."""
    scheme, sep, rest = uri.partition("://")
    if "@" not in rest:
        return uri
    credentials, _, host = rest.rpartition("@")
    return f"{scheme}{sep}{credentials.split(':')[0]}:***@{host}"


class Changes:
    """The "what changed since X" contract between the store, its read cache and the runner.

    Every write of every concept calls ``bump(concept)`` (tests/test_structure.py fails on a write
    path that does not); ``bump()`` with no concept says that everything changed (a reset). A reader
    that took ``mark()`` knows nothing changed while ``unchanged_since`` holds: trustworthy only when
    this process is the only writer (``embedded``).

    A cached read names the concepts it reads (``on``) and is kept until one of them changes, so a
    slot's ledger write does not throw away the stakes (which only a reset changes); a read that names
    none is kept until any write.
    """

    def __init__(self, embedded: bool) -> None:
        self.embedded = embedded
        self._count = 0
        self._everything = 0  # the count at the last bump of everything
        self._concepts: dict[str, int] = {}  # concept -> the count at its last change
        self._cache: dict[str, tuple[int, tuple[str, ...] | None, object]] = {}

    def bump(self, *concepts: str) -> None:
        self._count += 1
        if not concepts:
            self._everything = self._count
            self._cache.clear()
            return
        for concept in concepts:
            self._concepts[concept] = self._count
        # what depended on a changed concept (or on everything) is worth nothing now: the cache stays small
        stale = [key for key, (_, on, _) in self._cache.items() if on is None or not set(on).isdisjoint(concepts)]
        for key in stale:
            del self._cache[key]

    def mark(self) -> int:
        return self._count

    def unchanged_since(self, mark: int) -> bool:
        return self.embedded and mark == self._count

    def changed_since(self, mark: int, concept: str) -> bool:
        """Whether ``concept`` (or everything) was written after ``mark``."""
        return self._version((concept,)) > mark

    def _version(self, on: tuple[str, ...] | None) -> int:
        if on is None:
            return self._count
        return max(self._everything, *(self._concepts.get(concept, 0) for concept in on))

    def cached(self, key: str, read, *, on: tuple[str, ...] | None = None, immutable: bool = False):
        """``read()``, remembered until a write to one of the concepts ``on`` (None: any write), when
        this process is the only writer.

        Callers get a copy, unless the value is ``immutable`` (tuples of frozen values, Decimals, read-only
        mappings)."""
        if not self.embedded:
            return read()
        version = self._version(on)
        count, _, value = self._cache.get(key, (-1, None, None))
        if count != version:
            value = read()
            self._cache[key] = (version, on, value)
        return value if immutable else copy.deepcopy(value)


class Collections:
    """The database, its collections looked up once: mongomock builds a new ``Collection`` (with its
    options) on every attribute access, and the runner reaches four of them for every slot. Anything
    else (``db[name]``, ``drop_collection``, ``client``) is the database's own."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __getattr__(self, name: str):  # called only for a name not yet looked up
        if name not in Store.COLLECTIONS:
            return getattr(self.database, name)
        collection = self.database[name]
        setattr(self, name, collection)  # a dropped collection is emptied, not replaced: the handle stays good
        return collection

    def __getitem__(self, name: str):
        return getattr(self, name) if name in Store.COLLECTIONS else self.database[name]


class _Concept:
    name = ""  # what ``Changes`` calls this concept

    def __init__(self, db: Collections, changes: Changes, atomic: threading.Lock) -> None:
        self.db = db
        self.changes = changes
        # MongoDB makes a conditional update atomic; mongomock, plain Python, does not across
        # threads. Compare-and-set writes take this lock so both engines give the same guarantee.
        self.atomic = atomic

    def _changed(self) -> None:
        self.changes.bump(self.name)


class Users(_Concept):
    name = "users"

    def by_id(self, user_id: str) -> dict | None:
        # shared read-only: every authenticated request reads its user (nothing changes the dict it gets)
        return self.changes.cached(
            f"user:{user_id}", lambda: self.db.users.find_one({"_id": user_id}), on=(self.name,), immutable=True
        )

    def by_identifier(self, identifier: str) -> dict | None:
        text = identifier.strip()
        return self.db.users.find_one({"$or": [{"email": text.lower()}, {"username": text}]})

    def open_two_factor_setup(self, user_id: str, secret: str, token: str) -> None:
        """Keep a new TOTP secret beside the account, until confirmed (replacing an unfinished one)."""
        self.db.users.update_one({"_id": user_id}, {"$set": {"twoFactorSetup": {"secret": secret, "token": token}}})
        self._changed()

    def enable_two_factor(self, user_id: str, token: str) -> dict | None:
        """Turn 2FA on with the secret of the set-up ``token`` names; the updated account, or None when
        that set-up is not (or no longer) open."""
        with self.atomic:
            user = self.db.users.find_one({"_id": user_id, "twoFactorSetup.token": token})
            if user is None:
                return None
            secret = user["twoFactorSetup"]["secret"]
            self.db.users.update_one(
                {"_id": user_id},
                {
                    "$set": {"twoFAEnabled": True, "totpSecret": secret},
                    "$unset": {"twoFactorSetup": "", "lastTotpStep": ""},
                },
            )
        self._changed()
        return self.db.users.find_one({"_id": user_id})

    def accept_totp_step(self, user_id: str, step: int) -> bool:
        """Strict 2FA: record ``step`` as used; False when it (or a later one) was used before."""
        self._changed()
        with self.atomic:
            updated = self.db.users.find_one_and_update(
                {"_id": user_id, "$or": [{"lastTotpStep": {"$exists": False}}, {"lastTotpStep": {"$lt": step}}]},
                {"$set": {"lastTotpStep": step}},
            )
        return updated is not None


class Schedule(_Concept):
    """The saved distribution settings (one document), or None."""

    name = "schedule"

    def read(self) -> dict | None:
        return self.changes.cached(
            "settings", lambda: self.db.settings.find_one({"settingType": "daily_distribution"}), on=(self.name,)
        )

    def in_force(self) -> EffectiveSchedule:
        """The schedule in force: the saved settings, or else the legacy time (frozen, so shared without
        a copy until the schedule changes: every plan of the runner and every request asks)."""
        return self.changes.cached(
            "schedule-in-force", lambda: effective_schedule(self.read()), on=(self.name,), immutable=True
        )

    def enabled(self) -> bool:
        """Whether a schedule is saved and enabled (the legacy time runs nothing by itself)."""
        schedule = self.in_force()
        return schedule.saved and schedule.enabled

    def slot_numbers(self) -> tuple[int, ...]:
        """The saved schedule's slot numbers in order (none when no schedule is saved)."""
        schedule = self.in_force()
        return tuple(sorted(slot.slot_number for slot in schedule.slots)) if schedule.saved else ()

    def save(self, fields: dict) -> dict:
        self._changed()
        return self.db.settings.find_one_and_update(
            {"settingType": "daily_distribution"},
            {"$set": fields},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )


class Stakes(_Concept):
    """Investors, their stakes and the pools' rules (who qualifies for which pool)."""

    name = "stakes"

    def active(self) -> tuple[Stake, ...]:
        return self.changes.cached(
            "active-stakes",
            lambda: tuple(
                Stake(doc["_id"], doc["userId"], exact(doc["amount"]))
                for doc in self.db.stakes.find({"isActive": True}).sort("_id", ASCENDING)
            ),
            on=(self.name,),
            immutable=True,
        )

    def owners(self) -> Mapping[str, str]:
        """Stake id -> the investor who holds it (active or not); read-only, shared without a copy."""
        return self.changes.cached(
            "stake-owners",
            lambda: MappingProxyType({doc["_id"]: doc["userId"] for doc in self.db.stakes.find({}, {"userId": True})}),
            on=(self.name,),
            immutable=True,
        )

    def all(self) -> list[dict]:
        return list(self.db.stakes.find({}, {"_id": True, "amount": True, "isActive": True}).sort("_id", ASCENDING))

    def investors(self) -> list[dict]:
        """Investors with at least one active stake."""
        holders = set(self.db.stakes.distinct("userId", {"isActive": True}))
        return [doc for doc in self.db.investors.find().sort("_id", ASCENDING) if doc["_id"] in holders]

    def qualifiers(self) -> dict[str, list[str]]:
        """Per pool (``premium``, ``performance``): the investors with active stakes who share it."""

        def read() -> dict[str, list[str]]:
            investors = self.investors()
            return {
                name: [doc["_id"] for doc in investors if doc.get("rank") in set(rules["ranks"])]
                for name, rules in self.pools().items()
            }

        return self.changes.cached("qualifiers", read, on=(self.name,))

    def pools(self) -> dict[str, dict]:
        """Each pool's rules: ``{"premium": {"ranks": [...], "description": ...}, ...}``."""
        return {
            doc["_id"]: doc for doc in self.changes.cached("pools", lambda: list(self.db.pools.find()), on=(self.name,))
        }


class Days(_Concept):
    """Queued days and their slots: open ones, and archived ones once they have ended."""

    name = "days"

    def insert(self, day: dict, slots: list[dict]) -> None:
        """Store a queued day; raises ``DuplicateKeyError`` when the date already has one."""
        self._changed()
        self.db.distributions.insert_one({**day, "_id": day["date"]})
        self.db.distribution_slots.insert_many([{**s, "_id": slot_key(s["date"], s["slotNumber"])} for s in slots])

    def open(self, date: str) -> dict | None:
        return self.db.distributions.find_one({"date": date})

    def slots_of(self, date: str) -> list[dict]:
        return [_slot(doc) for doc in self.db.distribution_slots.find({"date": date}).sort("slotNumber", ASCENDING)]

    def pending_slots(self) -> list[dict]:
        pending = self.db.distribution_slots.find({"status": "PENDING"})
        return [_slot(doc) for doc in pending.sort([("scheduledFor", ASCENDING), ("slotNumber", ASCENDING)])]

    # What an edit of a PENDING slot may change (``update_pending_slot``): a claim made on the slot as
    # it was read checks that these are still as read.
    EDITABLE = ("rosPercentage", "premiumPoolAmount", "performancePoolAmount")

    def claim_slot(
        self, date: str, slot_number: int, to_status: str = "EXECUTING", *, as_read: dict | None = None
    ) -> dict | None:
        """PENDING -> ``to_status``, atomically; the slot as claimed, or None if someone else got there
        first. Given the slot ``as_read`` (by the runner's plan), the claim is one conditional write
        (its editable fields still as read), and a fresh read only when that write does not match."""
        self._changed()
        claim = {"_id": slot_key(date, slot_number), "status": "PENDING"}
        with self.atomic:
            if as_read is not None:
                unchanged = {field: as_read.get(field) for field in self.EDITABLE}
                claimed = self.db.distribution_slots.update_one({**claim, **unchanged}, {"$set": {"status": to_status}})
                if claimed.modified_count == 1:
                    return {**as_read, "status": to_status}
            claimed_now = self.db.distribution_slots.find_one_and_update(
                claim, {"$set": {"status": to_status}}, return_document=ReturnDocument.AFTER
            )
        return _slot(claimed_now) if claimed_now else None

    def finish_slot(self, date: str, slot_number: int, status: str, details: dict) -> None:
        self._changed()
        stored = as_text(details)  # read back decoded: ``_slot``
        self.db.distribution_slots.update_one(
            {"_id": slot_key(date, slot_number)}, {"$set": {"status": status, "executionDetails": stored}}
        )

    def update_pending_slot(self, date: str, slot_number: int, fields: dict) -> bool:
        self._changed()
        result = self.db.distribution_slots.update_one(
            {"_id": slot_key(date, slot_number), "status": "PENDING"}, {"$set": fields}
        )
        return result.matched_count == 1  # False: the slot is no longer PENDING

    def delete_pending_slots(self, date: str) -> int:
        self._changed()
        return self.db.distribution_slots.delete_many({"date": date, "status": "PENDING"}).deleted_count

    def update(self, date: str, fields: dict) -> None:
        self._changed()
        self.db.distributions.update_one({"date": date}, {"$set": fields})

    def delete(self, date: str) -> None:
        self._changed()
        self.db.distributions.delete_one({"date": date})

    def release_stuck(self, date: str) -> list[int]:
        """Force-reset: ``date``'s EXECUTING and FAILED slots back to PENDING; the slot numbers released."""
        released = []
        for slot in self.slots_of(date):
            if slot["status"] not in ("EXECUTING", "FAILED"):
                continue
            self._changed()
            with self.atomic:
                result = self.db.distribution_slots.update_one(
                    {"_id": slot["_id"], "status": slot["status"]},
                    {"$set": {"status": "PENDING", "executionDetails": None}},
                )
            if result.modified_count == 1:
                released.append(slot["slotNumber"])
        return released

    def between(self, start: str | None, end: str | None) -> list[tuple[dict, list[dict]]]:
        """Every day from ``start`` to ``end`` (inclusive, ISO dates; None: unbounded), open or
        archived, with its slots in order, newest first."""
        query: dict = {}
        if start or end:
            query["date"] = {**({"$gte": start} if start else {}), **({"$lte": end} if end else {})}
        days = [*self.db.distributions.find(query), *self.db.distribution_history.find(query)]
        slots: dict[str, list[dict]] = {}
        # slot_history: the slots of days archived by earlier versions (a state file, a MongoDB)
        for slot in [*self.db.distribution_slots.find(query), *self.db.slot_history.find(query)]:
            slots.setdefault(slot["date"], []).append(_slot(slot))
        for day in days:
            text = day.pop("slots", None)  # an archived day's own slots
            if text is not None:
                slots[day["date"]] = json.loads(text)
        return [
            (day, sorted(slots.get(day["date"], []), key=lambda s: s["slotNumber"]))
            for day in sorted(days, key=lambda d: d["date"], reverse=True)
        ]


class Ledger(_Concept):
    """What was paid: one entry per (date, slot), holding each beneficiary once.

    An entry keeps its payments as one JSON text (``payments``: kind -> beneficiary -> amount) beside
    their ``totals``: MongoDB and mongomock copy a string at once where they would copy a map of
    every stake key by key, and the totals, which most reads want, are read without the payments.
    Readers get the entry decoded: ``{date, slotNumber, ros: {...}, premium: {...}, performance: {...}}``.
    """

    name = "ledger"
    _last_encoded: tuple[tuple, str, dict[str, str]] | None = None
    _known_payees: tuple[Mapping[str, str], dict[str, Payees]] | None = None

    def record(self, date: str, slot_number: int, payments: Iterable[Payment]) -> bool:
        """The slot's ledger entry; False (and nothing written) if that slot of that day was paid.

        One map per kind (``ros``: stake -> amount, ``premium``/``performance``: user -> amount), so
        a beneficiary appears at most once per (date, slot) by construction.
        """
        encoded, totals = self._encoded(payments)
        entry = {
            "_id": slot_key(date, slot_number),
            "date": date,
            "slotNumber": slot_number,
            "totals": dict(totals),
            "payments": encoded,
        }
        self._changed()
        try:
            with self.atomic:
                self.db.payouts.insert_one(entry)
        except DuplicateKeyError:
            return False
        return True

    def _encoded(self, payments: Iterable[Payment]) -> tuple[str, dict[str, str]]:
        """The payments as an entry stores them (its JSON text, its totals), encoded once for the same
        payments object: the slots of a day that pay the same are handed one (``PayoutContext``)."""
        last = self._last_encoded
        if last is not None and last[0] is payments:
            return last[1], last[2]
        paid: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        totals = {kind: Decimal(0) for kind in KINDS}
        for payment in payments:
            paid[payment.kind][payment.beneficiary] = str(payment.amount)
            totals[payment.kind] += payment.amount
        encoded = as_text(paid)
        shown = {kind: str(total) for kind, total in totals.items()}
        if isinstance(payments, tuple):  # kept (and so its identity) only when it cannot change
            self._last_encoded = (payments, encoded, shown)
        return encoded, shown

    def entry(self, date: str, slot_number: int) -> dict | None:
        found = self.db.payouts.find_one({"_id": slot_key(date, slot_number)})
        return _decoded(found) if found else None

    def entries(self, date: str | None = None) -> list[dict]:
        query = {"date": date} if date else {}
        return [_decoded(doc) for doc in self.db.payouts.find(query).sort([("date", 1), ("slotNumber", 1)])]

    def paid(self, date: str) -> dict[str, Decimal]:
        """What the ledger holds as paid on ``date``, per kind (``ros``, ``premium``, ``performance``)."""

        def read() -> dict[str, Decimal]:
            return _paid(self.db.payouts.find({"date": date}, {"totals": True, **dict.fromkeys(KINDS, True)}))

        return self.changes.cached(f"paid:{date}", read, on=(self.name,))

    def summaries(self, dates: Iterable[str], owners: Mapping[str, str]) -> dict[str, dict]:
        """Per date: ``{"paid": {kind: Decimal}, "usersPaid": n, "poolRecipients": m}``: the distinct
        investors paid anything (a stake's ROS counts for its owner, ``owners``: stake id -> investor),
        and those of them paid from either pool."""
        by_date: dict[str, list[dict]] = {date: [] for date in dates}
        for doc in self.db.payouts.find({"date": {"$in": list(by_date)}}):
            by_date[doc["date"]].append(doc)
        summaries = {}
        paid_by = self._paid_by(owners)
        for day, docs in by_date.items():
            users: set[str] = set()
            pool_users: set[str] = set()
            for doc in docs:
                text = doc.get("payments")
                if text is None:  # stored by an earlier version: one map per kind
                    paid, pooled = _beneficiaries(_decoded(doc), owners)
                else:
                    if text not in paid_by:
                        paid_by[text] = _beneficiaries(_decoded(doc), owners)
                    paid, pooled = paid_by[text]
                users |= paid
                pool_users |= pooled
            summaries[day] = {"paid": _paid(docs), "usersPaid": len(users), "poolRecipients": len(pool_users)}
        return summaries

    def _paid_by(self, owners: Mapping[str, str]) -> dict[str, Payees]:
        """A payments text -> the investors it pays, remembered while ``owners`` is the same map
        (the stakes unchanged): the slots of a day, and of every day, often pay alike."""
        known = self._known_payees
        if known is None or known[0] is not owners or len(known[1]) >= KEPT_PAYEES:
            known = self._known_payees = (owners, {})
        return known[1]

    def drop(self, date: str) -> None:
        """Forget ``date``'s entries (an archived day keeps their summary instead)."""
        self._changed()
        self.db.payouts.delete_many({"date": date})


def _slot(doc: dict) -> dict:
    """A stored slot as readers see it: its ``executionDetails`` (null until it has finished) are
    stored as one JSON text (``as_text``); a slot stored by an earlier version keeps them as a map."""
    details = doc.get("executionDetails")
    if isinstance(details, str):
        doc["executionDetails"] = json.loads(details)
    return doc


def _decoded(doc: dict) -> dict:
    """A stored ledger entry as readers see it (see ``Ledger``); an entry stored by an earlier
    version of the mock (a state file, a MongoDB), with one map per kind, is read as it is."""
    payments = json.loads(doc["payments"]) if "payments" in doc else {kind: doc[kind] for kind in KINDS}
    return {"date": doc["date"], "slotNumber": doc["slotNumber"], **payments}


Payees = tuple[frozenset[str], frozenset[str]]  # the investors an entry pays; those paid from a pool


def _beneficiaries(entry: dict, owners: Mapping[str, str]) -> Payees:
    """The investors a decoded ledger entry pays (a stake's ROS counts for its owner), and those of
    them it pays from either pool."""
    pooled = frozenset().union(*(entry[kind] for kind in ("premium", "performance")))
    return frozenset({owners.get(stake, stake) for stake in entry["ros"]} | pooled), pooled


def _paid(docs: Iterable[dict]) -> dict[str, Decimal]:
    """What stored ledger entries paid, per kind: their ``totals`` (an entry stored before entries
    kept totals is added up)."""
    paid = {kind: Decimal(0) for kind in KINDS}
    for doc in docs:
        if "totals" in doc:
            for kind in KINDS:
                paid[kind] += exact(doc["totals"][kind])
        else:
            for kind in KINDS:
                paid[kind] += sum((exact(amount) for amount in doc[kind].values()), Decimal(0))
    return paid


class Faults(_Concept):
    """Injected slot failures (``/__mock/faults``)."""

    name = "faults"

    def add(self, slot_number: int, times: int, error: str, effect: str = "fail") -> None:
        self._changed()
        self.db.faults.insert_one({"slotNumber": slot_number, "times": times, "error": error, "effect": effect})

    def armed(self) -> list[dict]:
        return list(self.db.faults.find({"times": {"$gt": 0}}, {"_id": False}))

    def take(self, slot_number: int) -> dict | None:
        """Use up one armed fault of this slot (``{error, effect}``), or None when none is armed."""
        if not self.any_armed():
            return None  # asked for every slot a clock move runs: no write while nothing is armed
        with self.atomic:
            fault = self.db.faults.find_one_and_update(
                {"slotNumber": slot_number, "times": {"$gt": 0}}, {"$inc": {"times": -1}}
            )
        if fault is None:
            return None  # nothing was written
        self._changed()
        return {"error": fault["error"], "effect": fault.get("effect", "fail")}

    def any_armed(self) -> bool:
        """Whether a slot fault is armed (cached, without a copy; always asked of a shared MongoDB)."""
        return self.changes.cached(
            "any-slot-fault",
            lambda: self.db.faults.find_one({"times": {"$gt": 0}}) is not None,
            on=(self.name,),
            immutable=True,
        )

    def add_route(self, fault: dict) -> dict:
        """Arm an HTTP fault (``route_faults.py``); ``times`` None: until cleared."""
        self._changed()
        stored = {**fault, "_id": str(ObjectId())}  # ObjectIds sort in the order they were made
        self.db.route_faults.insert_one(stored)
        return stored

    def routes(self) -> list[dict]:
        """The armed HTTP faults, in the order they were armed (read on every request: cached)."""
        return self.changes.cached(
            "route-faults",
            lambda: list(self.db.route_faults.find({"$or": [{"times": None}, {"times": {"$gt": 0}}]}).sort("_id")),
        )

    def any_route(self) -> bool:
        """Whether an HTTP fault is armed (asked on every request: cached, without a copy)."""
        return self.changes.cached("any-route-fault", lambda: bool(self.routes()), immutable=True)

    def take_route(self, fault_id: str) -> bool:
        """Use up one of a route fault's ``times``; False when another request used the last one."""
        self._changed()
        with self.atomic:
            used = self.db.route_faults.find_one_and_update(
                {"_id": fault_id, "$or": [{"times": None}, {"times": {"$gt": 0}}]},
                {"$inc": {"used": 1}},
            )
            if used is not None and used.get("times") is not None:
                self.db.route_faults.update_one({"_id": fault_id}, {"$inc": {"times": -1}})
        return used is not None

    def clear(self) -> int:
        """Disarm every fault, slot and route; how many there were."""
        self._changed()
        return self.db.faults.delete_many({}).deleted_count + self.db.route_faults.delete_many({}).deleted_count


class Exports(_Concept):
    """History exports (CSV files behind a download link); the last ``EXPORTS_KEPT`` are kept."""

    name = "exports"

    def add(self, export_id: str, text: str, created_at: str) -> None:
        self._changed()
        self.db.exports.insert_one({"_id": export_id, "text": text, "createdAt": created_at})
        stale = [doc["_id"] for doc in self.db.exports.find({}, {"_id": True}).sort("createdAt", -1)][EXPORTS_KEPT:]
        if stale:
            self.db.exports.delete_many({"_id": {"$in": stale}})

    def text(self, export_id: str) -> str | None:
        doc = self.db.exports.find_one({"_id": export_id})
        return doc["text"] if doc else None


KEPT_PAYEES = 64  # distinct payments texts whose payees the ledger remembers
ARCHIVE_WINDOW_DAYS = 400  # archived days older than this are dropped,
FORGET_SLACK_DAYS = 30  # once the oldest is this much older (one scan a month, not one a day)


# The fixture collections a reset fills, and the concept whose writes would change each.
FIXTURE_COLLECTIONS = {"users": Users.name, "investors": Stakes.name, "stakes": Stakes.name, "pools": Stakes.name}


class Store:
    """Every concept on one database, reset together."""

    def __init__(self, database: Database) -> None:
        self.db = db = Collections(database)
        self.changes = Changes(embedded=isinstance(db.client, mongomock.MongoClient))
        self.atomic = atomic = threading.Lock()
        self.users = Users(db, self.changes, atomic)
        self.schedule = Schedule(db, self.changes, atomic)
        self.stakes = Stakes(db, self.changes, atomic)
        self.days = Days(db, self.changes, atomic)
        self.ledger = Ledger(db, self.changes, atomic)
        self.faults = Faults(db, self.changes, atomic)
        self.exports = Exports(db, self.changes, atomic)
        self._earliest_archived: str | None = None  # the oldest archived date, when known
        # every archived date, when known: kept only when this process is the only writer
        self._archived_dates: set[str] | None = None
        self._reset_from: tuple[Fixtures, int] | None = None  # the last reset's fixtures and version

    @property
    def embedded(self) -> bool:
        """True for mongomock: then this process is the only writer, and may trust ``changes``."""
        return self.changes.embedded

    def distributed(self, date: str) -> dict | None:
        """The day distributed on ``date``, open or archived, in whatever zone it was queued."""
        found = self.days.open(date)
        if found is not None:
            return found
        if self._archived_dates is not None and date not in self._archived_dates:
            return None  # known without a scan of the archive (mongomock reads every archived day)
        found = self.db.distribution_history.find_one({"date": date})
        if found is None and self.embedded:
            with self.atomic:  # the ticker's thread may be archiving a day meanwhile (it adds under this lock)
                if self._archived_dates is None:
                    archived = self.db.distribution_history.find({}, {"date": True})
                    self._archived_dates = {doc["date"] for doc in archived}
        return found

    def archive_ended(self, now: str) -> int:
        """Move days that have ended (local midnight passed) with nothing pending or running into
        history, each with a summary of its ledger (totals, users paid) in place of the per-stake
        entries, which nothing can add to any more; drop archived days older than the window."""
        moved = 0
        owners = None
        for day in self.db.distributions.find({"dayEnd": {"$lte": now}}):
            slots = self.days.slots_of(day["date"])
            if any(slot["status"] in ("PENDING", "EXECUTING") for slot in slots):
                continue  # a slot still waits or is running (perhaps in another clock move)
            owners = owners if owners is not None else self.stakes.owners()
            summary = self.ledger.summaries([day["date"]], owners)[day["date"]]
            self.changes.bump(Days.name, Ledger.name)
            stored = {k: str(v) for k, v in summary["paid"].items()}
            ledger = {"paid": stored, "usersPaid": summary["usersPaid"], "poolRecipients": summary["poolRecipients"]}
            # its slots as one text (read back by ``Days.between``), not ten documents in slot_history
            self.db.distribution_history.insert_one({**day, "ledger": ledger, "slots": as_text(slots)})
            with self.atomic:
                if self._archived_dates is not None:
                    self._archived_dates.add(day["date"])
            self.db.distribution_slots.delete_many({"date": day["date"]})
            self.db.distributions.delete_one({"_id": day["_id"]})
            self.ledger.drop(day["date"])
            moved += 1
        if moved:
            self._forget_before(now)
        return moved

    def _forget_before(self, now: str) -> None:
        oldest = (date.fromisoformat(now[:10]) - timedelta(days=ARCHIVE_WINDOW_DAYS)).isoformat()
        if self._earliest_archived is None:  # read once per process and after a reset
            first = self.db.distribution_history.find_one({}, {"date": True}, sort=[("date", ASCENDING)])
            self._earliest_archived = first["date"] if first else now[:10]
        slack = (date.fromisoformat(oldest) - timedelta(days=FORGET_SLACK_DAYS)).isoformat()
        if self._earliest_archived >= slack:
            return  # nothing archived is old enough to be worth a scan (mongomock scans to delete)
        self._earliest_archived = oldest
        self._archived_dates = None  # read again when next needed
        self.changes.bump(Days.name)
        self.db.distribution_history.delete_many({"date": {"$lt": oldest}})
        self.db.slot_history.delete_many({"date": {"$lt": oldest}})

    def summaries(self, days: list[dict]) -> dict[str, dict]:
        """Each day's ledger summary (``Ledger.summaries``): kept with an archived day, else read."""
        open_dates = [day["date"] for day in days if "ledger" not in day]
        found = self.ledger.summaries(open_dates, self.stakes.owners()) if open_dates else {}
        for day in days:
            if "ledger" in day:
                kept = day["ledger"]
                found[day["date"]] = {
                    "paid": {k: exact(v) for k, v in kept["paid"].items()},
                    "usersPaid": kept["usersPaid"],
                    # archived before pool recipients were kept: at most everyone paid (the app's own fallback)
                    "poolRecipients": kept.get("poolRecipients", kept["usersPaid"]),
                }
        return found

    COLLECTIONS = (*INDEXES, "settings", "pools")

    def is_empty(self) -> bool:
        """Nothing of ours in the database (fixtures are loaded only then)."""
        return all(self.db[name].count_documents({}, limit=1) == 0 for name in self.COLLECTIONS)

    def snapshot(self) -> dict[str, list[dict]]:
        return {name: list(self.db[name].find()) for name in self.COLLECTIONS}

    def restore(self, collections: dict[str, list[dict]]) -> None:
        """Exactly these documents (a ``snapshot``), in place of whatever the store held."""
        self._recreate()
        for name, documents in collections.items():
            if name in self.COLLECTIONS and documents:
                self.db[name].insert_many(documents)
        self.changes.bump()

    def _recreate(self, keep: frozenset[str] = frozenset()) -> None:
        self.changes.bump()
        self._earliest_archived = None
        self._archived_dates = None
        for name in self.COLLECTIONS:
            if name not in keep:
                self.db.drop_collection(name)
        for name, indexes in INDEXES.items():
            for keys, unique in indexes:
                if name not in keep:
                    self.db[name].create_index(keys, unique=unique)

    def reset(self, fixtures: Fixtures) -> None:
        kept = self._still_as_reset(fixtures)
        self._recreate(kept)
        documents = {
            "users": [dict(identity) for identity in fixtures.identities],
            "investors": [dict(investor) for investor in fixtures.investors],
            "stakes": [dict(stake) for stake in fixtures.stakes],
            "pools": [{"_id": name, **dict(rules)} for name, rules in fixtures.pools.items()],
        }
        for name, inserted in documents.items():
            if name not in kept:
                self.db[name].insert_many(inserted)
        if fixtures.schedule is not None:
            self.db.settings.insert_one(dict(fixtures.schedule))
        self.changes.bump()
        self._reset_from = (fixtures, self.changes.mark())

    def _still_as_reset(self, fixtures: Fixtures) -> frozenset[str]:
        """The fixture collections nothing has written since the last reset from these same
        fixtures: a reset leaves them as they are (the suite resets before each case, and mongomock
        inserts a few hundred stakes slowly). Known only when this process is the only writer."""
        if not self.embedded or self._reset_from is None or self._reset_from[0] is not fixtures:
            return frozenset()
        mark = self._reset_from[1]
        return frozenset(
            name for name, concept in FIXTURE_COLLECTIONS.items() if not self.changes.changed_since(mark, concept)
        )
