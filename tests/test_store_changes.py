"""The one cache discipline (``mock_server.state.changes``): what is kept, for how long, for whom."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import MappingProxyType

import pytest

from mock_server.state.changes import Changes, Concept, Key, freeze, is_frozen


class Source:
    """A value behind a counter of reads."""

    def __init__(self, value) -> None:
        self.value = value
        self.reads = 0

    def read(self):
        self.reads += 1
        return self.value


def test_a_value_is_kept_until_a_write_to_what_it_is_read_from():
    changes, source = Changes(embedded=True), Source(1)
    assert [changes.cached(Key.PAID, source.read, "2026-03-02") for _ in range(3)] == [1, 1, 1]
    with changes.writing(Concept.STAKES):  # another concept: still good
        pass
    assert changes.cached(Key.PAID, source.read, "2026-03-02") == 1 and source.reads == 1
    with changes.writing(Concept.LEDGER):
        source.value = 2
    assert changes.cached(Key.PAID, source.read, "2026-03-02") == 2 and source.reads == 2
    with changes.writing():  # everything (a reset)
        source.value = 3
    assert changes.cached(Key.PAID, source.read, "2026-03-02") == 3


def test_a_key_that_reads_everything_is_void_after_any_write_and_a_stamp_after_its_second():
    changes, source = Changes(embedded=True), Source(b"answer")
    changes.cached(Key.ANSWER, source.read, "schedule", stamp=1, shared=True)
    changes.cached(Key.ANSWER, source.read, "schedule", stamp=1, shared=True)
    changes.cached(Key.ANSWER, source.read, "schedule", stamp=2, shared=True)
    with changes.writing(Concept.EXPORTS):
        pass
    changes.cached(Key.ANSWER, source.read, "schedule", stamp=2, shared=True)
    assert source.reads == 3


def test_a_read_made_before_the_write_was_done_is_not_kept_past_it():
    """The bump comes after the write: a reader that read the old value meanwhile kept it under the
    old version, which nobody asks for once the write is done."""
    changes, source = Changes(embedded=True), Source("old")
    with changes.writing(Concept.SCHEDULE):
        assert changes.cached(Key.SETTINGS, source.read) == "old"  # read while the write is under way
        source.value = "new"
        assert changes.cached(Key.SETTINGS, source.read) == "old"  # the write's bump is still to come
    assert changes.cached(Key.SETTINGS, source.read) == "new"


def test_a_read_that_a_write_overtook_is_not_kept():
    changes, source = Changes(embedded=True), Source("old")

    def slow_read():
        value = source.read()
        with changes.writing(Concept.SCHEDULE):  # a write lands while this read is under way
            source.value = "new"
        return value

    assert changes.cached(Key.SETTINGS, slow_read) == "old"  # the caller that started before the write
    assert changes.cached(Key.SETTINGS, source.read) == "new" and source.reads == 2


def test_a_write_is_bumped_even_when_it_fails_half_way():
    changes, source = Changes(embedded=True), Source(1)
    changes.cached(Key.PAID, source.read)
    with pytest.raises(RuntimeError), changes.writing(Concept.LEDGER):
        source.value = 2
        raise RuntimeError("the second half failed")
    assert changes.cached(Key.PAID, source.read) == 2


def test_a_shared_value_must_be_immutable_and_any_other_is_copied_for_each_caller():
    changes = Changes(embedded=True)
    with pytest.raises(TypeError, match="ACTIVE_STAKES"):
        changes.cached(Key.ACTIVE_STAKES, lambda: [1, 2], shared=True)
    mine = changes.cached(Key.POOLS, lambda: [{"_id": "premium"}])
    mine[0]["_id"] = "changed"
    assert changes.cached(Key.POOLS, lambda: pytest.fail("read again")) == [{"_id": "premium"}]
    frozen = freeze({"a": [1, {"b": 2}], "c": None})
    assert is_frozen(frozen) and frozen["a"][1]["b"] == 2 and isinstance(frozen, MappingProxyType)
    assert not is_frozen(MappingProxyType({"a": []})) and not is_frozen((1, {}))


def test_a_write_that_says_how_it_changes_a_value_carries_it_without_a_read():
    changes, source = Changes(embedded=True), Source(frozenset({"2026-03-01"}))
    changes.cached(Key.ARCHIVED_DATES, source.read, shared=True)
    with changes.writing(Concept.ARCHIVE, carry={(Key.ARCHIVED_DATES, None): lambda dates: dates | {"2026-03-02"}}):
        pass
    assert changes.cached(Key.ARCHIVED_DATES, source.read, shared=True) == {"2026-03-01", "2026-03-02"}
    assert source.reads == 1
    with changes.writing(Concept.ARCHIVE):  # a write that does not say: read again
        pass
    changes.cached(Key.ARCHIVED_DATES, source.read, shared=True)
    assert source.reads == 2


def test_a_carry_applies_only_to_a_value_that_was_good_until_that_write():
    changes, source = Changes(embedded=True), Source(frozenset({"a"}))
    changes.cached(Key.ARCHIVED_DATES, source.read, shared=True)
    changes.bump(Concept.DAYS)  # another concept: the kept value is still good
    with changes.writing(Concept.ARCHIVE, carry={(Key.ARCHIVED_DATES, None): lambda dates: dates | {"b"}}):
        pass
    assert changes.cached(Key.ARCHIVED_DATES, source.read, shared=True) == {"a", "b"}
    fresh = Changes(embedded=True)
    with fresh.writing(Concept.ARCHIVE, carry={(Key.ARCHIVED_DATES, None): lambda dates: dates | {"b"}}):
        pass  # nothing kept: nothing to carry
    assert fresh.cached(Key.ARCHIVED_DATES, source.read, shared=True) == {"a"}


def test_nothing_is_kept_on_a_shared_database():
    changes, source = Changes(embedded=False), Source(1)
    for _ in range(3):
        changes.cached(Key.PAID, source.read)
    assert source.reads == 3 and not changes.remembers


def test_a_key_keeps_a_bounded_number_of_arguments():
    changes, source = Changes(embedded=True), Source(0)
    for day in range(Key.PAID.value.kept + 10):
        changes.cached(Key.PAID, source.read, day)
    changes.cached(Key.PAID, source.read, Key.PAID.value.kept + 9)  # the newest is still kept
    changes.cached(Key.PAID, source.read, 0)  # the oldest went first
    assert source.reads == Key.PAID.value.kept + 11


def test_versions_and_values_stay_whole_under_threads_that_write_while_others_read():
    changes = Changes(embedded=True)
    state = {"version": 0, "returned": 0}  # what is written; what writes that have returned wrote
    lock, start = threading.Lock(), threading.Barrier(8)

    def writer() -> None:
        start.wait()
        for _ in range(2000):
            with changes.writing(Concept.LEDGER), lock:
                state["version"] += 1
                written = state["version"]
            with lock:
                state["returned"] = max(state["returned"], written)

    def reader() -> list[tuple[int, int]]:
        start.wait()
        stale = []
        for n in range(2000):
            floor = state["returned"]
            seen = changes.cached(Key.PAID, lambda: state["version"], n % 100)
            if seen < floor:
                stale.append((seen, floor))
        return stale

    with ThreadPoolExecutor(max_workers=8) as pool:
        writers = [pool.submit(writer) for _ in range(2)]
        readers = [pool.submit(reader) for _ in range(6)]
        assert [future.result() for future in writers] == [None, None]
        assert [future.result() for future in readers] == [[]] * 6
    assert changes.mark() == 4000
