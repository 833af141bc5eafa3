"""Deliberate faults for the mutation check, each written into a copy of the mock's source.

A mutant is one textual edit of one file of ``mock_server`` (the edit must apply exactly once, so a
refactor that moves the code breaks this table loudly instead of silently testing nothing). The
copy is put first on ``PYTHONPATH``; the contract suite then runs against it in-process, with the
mock's own response validation switched off, so that it is the suite that must notice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    what: str  # the fault, in words
    file: str  # under mock_server/
    old: str
    new: str
    caught_by: frozenset[str]  # the case IDs expected to fail (at least one must)


def _m(what: str, file: str, old: str, new: str, *cases: str) -> Mutant:
    return Mutant(what, file, old, new, frozenset(cases))


MUTANTS = {
    "wrong-status": _m(
        "the queue answers 200 instead of 201",
        "handlers/declarations.py", '"data": data,\n    }, 201', '"data": data,\n    }, 200', "TC15", "TC16", "TC17",
    ),
    "missing-field": _m(
        "SETTINGS lose timezoneOffset",
        "views/wire.py", '"timezoneOffset": format_offset(', '"timezoneOffse": format_offset(', "TC03", "TC08",
    ),
    "no-2fa": _m(
        "2FA is not enforced",
        "http/auth.py",
        "    if code is None:\n        raise ApiError(\n            403,\n            \"2FA_CODE_REQUIRED\"",
        "    if False:\n        raise ApiError(\n            403,\n            \"2FA_CODE_REQUIRED\"", "TC06",
    ),
    "slot-runs-twice": _m(
        "a finished slot goes back to PENDING once and runs again",
        "state/store.py",
        '{"_id": slot_key(date, slot_number)}, {"$set": {"status": status, "executionDetails": stored}}\n        )',
        '{"_id": slot_key(date, slot_number)}, {"$set": {"status": status, "executionDetails": stored}}\n        )\n'
        '        if status == "COMPLETED":\n'
        '            self.db.distribution_slots.update_one({"_id": slot_key(date, slot_number), "again": None},\n'
        '                                                  {"$set": {"status": "PENDING", "again": True}})',
        "TC21", "TC22",
    ),
    "wrong-offset": _m(
        "offsets ignore DST (always the January offset)",
        "domain/schedule.py", "offset = instant.astimezone(zone).utcoffset() or timedelta(0)",
        "offset = instant.replace(month=1, day=15).astimezone(zone).utcoffset() or timedelta(0)", "TC02",
    ),
    "next-at-or-after-now": _m(
        "a slot's next execution is 'at or after now' instead of strictly after",
        "domain/schedule.py", "        if instant > now:\n            return instant",
        "        if instant >= now:\n            return instant", "TC03",
    ),
    "half-even-cents": _m(
        "money is rounded half-even instead of half-up",
        "domain/distribution.py", "rounding=ROUND_HALF_UP", "rounding=\"ROUND_HALF_EVEN\"", "TC22",
    ),
    "claim-ignores-status": _m(
        "a slot is claimed without checking it is still PENDING",
        "state/store.py",
        'claim = {"_id": slot_key(date, slot_number), "status": "PENDING"}',
        'claim = {"_id": slot_key(date, slot_number)}', "TC22",
    ),
    "today-in-utc": _m(
        "'today' is the UTC date, not the date in the schedule's zone",
        "domain/schedule.py", "    return now.astimezone(zone).date()", "    return now.astimezone(UTC).date()", "TC27",
    ),
    "split-remainder-dropped": _m(
        "a pool split across slots drops the rounding remainder",
        "domain/distribution.py",
        "    shares.append(whole - sum(shares, Decimal(0)))", "    shares.append(share)", "TC18",
    ),
    "dst-gap-early": _m(
        "a wall time in a DST gap runs an hour early instead of at the end of the gap",
        "domain/schedule.py", "    # Inside a gap: the transition lies between the two readings of the wall time.",
        "    return local.replace(fold=1).astimezone(UTC)", "TC26",
    ),
    "totp-window-widened": _m(
        "2FA codes three steps off are accepted",
        "http/auth.py", "TOTP_WINDOW_STEPS = 2", "TOTP_WINDOW_STEPS = 3", "TC07",
    ),
}  # fmt: skip


def write_copy(name: str, into: Path) -> Path:
    """A copy of the project's mock with the mutant written in; returns the folder for PYTHONPATH."""
    mutant = MUTANTS[name]
    package = into / "mock_server"
    shutil.copytree(ROOT / "mock_server", package, ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("openapi", "fixtures"):  # the mock finds its documents beside its package
        (into / data).symlink_to(ROOT / data)
    source = package / mutant.file
    text = source.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise AssertionError(f"mutant {name!r}: the text to replace occurs {text.count(mutant.old)} times in {source}")
    text = text.replace(mutant.old, mutant.new)
    text = text.replace("validate_responses=True", "validate_responses=False")  # the suite must notice
    source.write_text(text, encoding="utf-8")
    contract_target = package / "tools" / "contract_target.py"
    contract_target.write_text(
        contract_target.read_text(encoding="utf-8").replace("validate_responses=True", "validate_responses=False")
    )
    return into
