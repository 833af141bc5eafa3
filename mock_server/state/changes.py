"""The one cache discipline of the mock's state: what changed, and what a reader may remember.

Every value remembered between requests is kept here, under these rules:

1. **Keys.** A value is named by a ``Key`` (below, with the concepts it is read from; none: every
   write voids it), and by an argument when the key has several (a user id, a date).
2. **Bump after write.** A write runs inside ``changes.writing(concept, ...)``, which bumps the
   concepts' versions once the write is done (or has failed half-way). A reader takes the version
   *before* it reads, so a value read before a write was done is kept under an older version than
   the write's bump, where no reader that starts after the write looks (tests/test_structure.py: every
   database write of ``state/`` is inside ``writing``).
3. **Threads.** State is read and written from several threads: the event loop's, the racers of
   ``POST /__mock/clock/advance`` (a thread pool), in-process clients that run the app on an event
   loop per thread. ``Changes`` keeps its versions and values under one lock, held only for its own
   bookkeeping, never while reading the database; a compare-and-set of the database takes the store's
   ``atomic`` lock (mongomock is not atomic across threads).
4. **Immutable or copied.** A value is either ``shared`` (checked when kept to be truly immutable:
   numbers, strings, tuples, frozensets, ``MappingProxyType``, frozen dataclasses of those; ``freeze``
   makes a document so) or deep-copied for each caller.
5. **Only while this process is the only writer** (mongomock): on a shared MongoDB nothing is kept.

A write may also say how it changes a value it knows (``carry``: a pure, idempotent function of the
value): the value then moves to the new version instead of being read again (the archived dates, to
which archiving a day adds one).

Not caches, and so not here: ``StateFile._saved`` (the version last written to disk: a dirty mark,
compared with ``mark()``); ``Store._reset_from`` (the version of the last reset, compared with
``changed_since``); ``GuardMiddleware._last_allowed``, ``Services.judged_bodies``, the fixtures' parsed
files (keyed by path, size and mtime) and the checked documents (keyed by digest): each remembers a
pure function of the request or of a file, never of the state, so no write can make it wrong.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")


class Concept(StrEnum):
    """What a write changes: one per repository, and the archive of ended days."""

    USERS = "users"
    SCHEDULE = "schedule"
    STAKES = "stakes"
    DAYS = "days"  # open days and their slots
    ARCHIVE = "archive"  # ended days (distribution_history)
    LEDGER = "ledger"
    FAULTS = "faults"  # slot and route faults
    EXPORTS = "exports"


@dataclasses.dataclass(frozen=True)
class Rule:
    label: str
    depends: frozenset[Concept] | None  # None: every write voids it
    kept: int = 64  # arguments kept at once (the oldest goes first)


def _rule(label: str, *depends: Concept, kept: int = 64, everything: bool = False) -> Rule:
    return Rule(label, None if everything else frozenset(depends), kept)


class Key(Enum):
    """Every remembered value of the state, with what it is read from (its argument, if any)."""

    USER = _rule("user", Concept.USERS)  # user id: the account (frozen)
    SETTINGS = _rule("settings", Concept.SCHEDULE)  # the saved schedule document
    SCHEDULE_IN_FORCE = _rule("schedule-in-force", Concept.SCHEDULE)
    ACTIVE_STAKES = _rule("active-stakes", Concept.STAKES)
    STAKE_OWNERS = _rule("stake-owners", Concept.STAKES)
    QUALIFIERS = _rule("qualifiers", Concept.STAKES)
    POOLS = _rule("pools", Concept.STAKES)
    PAYEES = _rule("payees", Concept.STAKES)  # a ledger entry's payments text: whom it pays
    ROS_PAYMENTS = _rule("ros-payments", Concept.STAKES)  # ROS: each active stake's payment
    PAYOUT = _rule("payout", Concept.STAKES)  # (ROS, premium, performance): a slot's payout, encoded
    ROS_PAYOUT = _rule("ros-payout", Concept.STAKES)  # ROS: what one slot pays the active stakes
    PAID = _rule("paid", Concept.LEDGER)  # date: the ledger's totals per kind
    ARCHIVED_DATES = _rule("archived-dates", Concept.ARCHIVE)
    EARLIEST_ARCHIVED = _rule("earliest-archived", Concept.ARCHIVE)
    NEXT_DUE = _rule("next-due", Concept.DAYS, Concept.SCHEDULE)  # when a pending slot next falls due
    ANY_SLOT_FAULT = _rule("any-slot-fault", Concept.FAULTS)
    ROUTE_FAULTS = _rule("route-faults", Concept.FAULTS)
    ANY_ROUTE_FAULT = _rule("any-route-fault", Concept.FAULTS)
    STATUS = _rule("status", everything=True)  # date: today's status view
    ANSWER = _rule("answer", everything=True)  # route name: a polled answer's bytes, per clock second

    @property
    def depends(self) -> frozenset[Concept] | None:
        return self.value.depends


# The rules as plain lookups (an Enum member's ``value`` is a descriptor call): what each key is read
# from, and which keys a write of each concept voids.
DEPENDS: dict[Key, tuple[Concept, ...] | None] = {
    key: None if key.depends is None else tuple(key.depends) for key in Key
}
VOIDED_BY: dict[Concept, tuple[Key, ...]] = {
    concept: tuple(key for key in Key if key.depends is None or concept in key.depends) for concept in Concept
}


Entry = tuple[int, Hashable, Any]  # (version, stamp, value)


class Written:
    """What ``writing`` bumped: its ``version`` once the write is done."""

    version = -1


class Changes:
    """Versions of the concepts and the values kept under them (see the module's rules)."""

    def __init__(self, embedded: bool) -> None:
        self.embedded = embedded
        self._lock = threading.Lock()
        self._count = 0  # bumps so far
        self._everything = 0  # the count at the last bump of everything (a reset)
        self._concepts: dict[Concept, int] = {}  # concept -> the count at its last bump
        self._kept: dict[Key, dict[Hashable, Entry]] = {}

    @property
    def remembers(self) -> bool:
        """Whether values are kept at all (this process is the only writer)."""
        return self.embedded

    # -- writes -----------------------------------------------------------------------------------
    @contextmanager
    def writing(
        self, *concepts: Concept, carry: Mapping[tuple[Key, Hashable], Callable[[Any], Any]] | None = None
    ) -> Iterator[Written]:
        """Around a write of ``concepts`` (none: everything); bumps them when the write is done."""
        written = Written()
        try:
            yield written
        finally:
            written.version = self.bump(*concepts, carry=carry)

    def bump(self, *concepts: Concept, carry: Mapping[tuple[Key, Hashable], Callable] | None = None) -> int:
        """A write of ``concepts`` (none: everything) is done: their values are void, or carried."""
        with self._lock:
            carried = self._carried(carry or {})
            self._count += 1
            if not concepts:
                self._everything = self._count
                self._kept.clear()
            else:
                for concept in concepts:
                    self._concepts[concept] = self._count
                    for key in VOIDED_BY[concept]:
                        self._kept.pop(key, None)
            for (key, argument), (stamp, value) in carried.items():
                self._keep(key, argument, (self._version(key), stamp, value))
            return self._count

    def _carried(self, carry: Mapping[tuple[Key, Hashable], Callable]) -> dict[tuple[Key, Hashable], tuple]:
        """The kept values a write says how it changes, changed (those valid until this write only)."""
        carried = {}
        for (key, argument), change in carry.items():
            entry = self._kept.get(key, {}).get(argument)
            if entry is not None and entry[0] == self._version(key):
                value = change(entry[2])
                if not is_frozen(value):  # only shared values are carried
                    raise TypeError(f"{key.name}: a carried value must be immutable, not {type(value).__name__}")
                carried[key, argument] = (entry[1], value)
        return carried

    # -- versions ---------------------------------------------------------------------------------
    def mark(self) -> int:
        """The count of bumps: unchanged exactly while no write has been done."""
        with self._lock:
            return self._count

    def changed_since(self, mark: int, concept: Concept) -> bool:
        """Whether ``concept`` (or everything) was written after ``mark``."""
        with self._lock:
            return max(self._everything, self._concepts.get(concept, 0)) > mark

    def _version(self, key: Key) -> int:
        depends = DEPENDS[key]
        if depends is None:
            return self._count
        version = self._everything
        for concept in depends:
            version = max(version, self._concepts.get(concept, 0))
        return version

    # -- reads ------------------------------------------------------------------------------------
    def cached(
        self,
        key: Key,
        read: Callable[[], T],
        argument: Hashable = None,
        *,
        stamp: Hashable = None,
        shared: bool = False,
    ) -> T:
        """``read()``, kept under ``key`` (and ``argument``) until a write to what the key depends on,
        or until ``stamp`` differs (the clock's second, for an answer that shows it). ``shared``: the
        value is handed out as it is, and must be immutable; else each caller gets a deep copy."""
        if not self.embedded:
            return read()
        with self._lock:
            version = self._version(key)
            entry = self._kept.get(key, {}).get(argument)
        if entry is not None and entry[0] == version and entry[1] == stamp:
            value = entry[2]
        else:
            value = read()
            if shared and not is_frozen(value):
                raise TypeError(f"{key.name}: a shared value must be immutable, not {type(value).__name__}")
            with self._lock:
                if self._version(key) == version:  # nothing written meanwhile: worth keeping
                    self._keep(key, argument, (version, stamp, value))
        return value if shared else copied(value)

    def _keep(self, key: Key, argument: Hashable, entry: Entry) -> None:
        family = self._kept.setdefault(key, {})
        family.pop(argument, None)
        if len(family) >= key.value.kept:
            del family[next(iter(family))]
        family[argument] = entry


ATOMS = (str, bytes, int, float, Decimal, date, datetime, time, timedelta, tzinfo, Enum, type(None))


def is_frozen(value: object) -> bool:
    """Whether nothing reachable from ``value`` can be changed in place."""
    if isinstance(value, ATOMS):
        return True
    if isinstance(value, tuple | frozenset):
        return all(is_frozen(item) for item in value)
    if isinstance(value, MappingProxyType):
        return all(is_frozen(name) and is_frozen(item) for name, item in value.items())
    parameters = getattr(type(value), "__dataclass_params__", None)
    if parameters is not None and parameters.frozen:
        return all(is_frozen(getattr(value, field.name)) for field in dataclasses.fields(value))
    return False


def copied(value: T) -> T:
    """A deep copy of a document (maps, lists, tuples of plain values; anything else by ``deepcopy``)."""
    kind = type(value)
    if kind is dict:
        return {name: copied(item) for name, item in value.items()}  # type: ignore[attr-defined,return-value]
    if kind is list or kind is tuple:
        return kind(copied(item) for item in value)  # type: ignore[attr-defined,call-arg]
    return value if isinstance(value, ATOMS) else copy.deepcopy(value)


def freeze(value: object) -> object:
    """A document made immutable: maps read-only, lists tuples, all the way down."""
    if isinstance(value, dict):
        return MappingProxyType({name: freeze(item) for name, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value
