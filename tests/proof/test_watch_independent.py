"""`watch` against a backend we did not write (``tests/proof/independent_backend.py``, on the wall clock): each
planted fault a monitor covers fires its alert, naming its case; the correct backend fires none over
the same polls. One fault only a watch can see (``WATCH_FAULTS``): slot 1's amounts, COMPLETED, change
after it ran."""

from __future__ import annotations

from datetime import UTC, datetime

from contract_tests.redaction import Secrets
from contract_tests.watch.reading import Reader
from contract_tests.watch.watcher import Options, Watcher

from ..served.test_watch import Collect
from .independent_backend import WATCH_FAULTS
from .test_verifier_on_independent_backend import Independent

POLLS = 3
CAUGHT = {  # fault: (monitor, case)
    "completed-slot-pays-zero": ("tc22-paid-nobody", "TC22"),
    "overdue-pending": ("tc24-overdue-pending", "TC24"),
    "today-in-utc": ("tc27-local-today", "TC27"),
    "completed-slot-amounts-change": ("amounts-changed", "TC22"),
}


def watched(backend: Independent) -> tuple[Collect, Watcher]:
    seen = Collect()
    reader = Reader.connect(backend.url, backend.token, Secrets())
    watcher = Watcher(reader, Options(slow_ms=30000), target=backend.url, outputs=[seen])
    for _ in range(POLLS):
        watcher.poll_once()
    return seen, watcher


def test_the_new_fault_is_one_only_a_watch_sees():
    assert set(WATCH_FAULTS) == {"completed-slot-amounts-change"} and set(WATCH_FAULTS) <= set(CAUGHT)


def test_each_planted_fault_fires_its_alert_and_the_correct_backend_none(backend):
    servers = {fault: backend(fault) for fault in CAUGHT}
    clean = backend()
    started_on = datetime.now(UTC).date()
    results = {fault: watched(server) for fault, server in servers.items()}
    if datetime.now(UTC).date() != started_on:  # the UTC date moved: today-in-utc shows no more (see calendar_hid)
        results["today-in-utc"] = watched(backend("today-in-utc"))
    for fault, (monitor, case) in CAUGHT.items():
        seen, watcher = results[fault]
        alerts = [e for e in seen.events if e.kind == "alert"]
        assert any(e.monitor == monitor and e.case == case for e in alerts), (fault, [e.line() for e in alerts])
        mine = next(e for e in alerts if e.monitor == monitor)
        assert mine.line().split()[2] == case and "BRIEF" in mine.rule, mine.line()
        assert sum(e.key == mine.key for e in seen.events if e.kind == "alert") == 1, "said once, not every poll"
        assert watcher.finish() == 1
    seen, watcher = watched(clean)
    assert [e.line() for e in seen.events if e.kind in ("alert", "clear")] == []
    assert "tc22-paid-nobody" in watcher.judged and "amounts-changed" in watcher.judged
    assert watcher.finish() == 0
