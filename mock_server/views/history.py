"""Past days as the current admin app's Distribution History shows them: records, summary, one
day's details, and the CSV export.

Pure: stored days, their slots and their ledger totals in, wire dicts (and CSV text) out. Every
figure comes from the same stored days and payment ledger as today's status, so a day's record
adds up to what its slot cards showed.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..domain.distribution import exact, overall_status
from .money import wire, wire_percent


@dataclass(frozen=True)
class PastDay:
    """One distributed date: the stored day, its slots, what its ledger paid, and who was paid."""

    day: dict
    slots: list[dict]
    paid: dict[str, Decimal]  # per kind: ros, premium, performance
    users_paid: int  # distinct investors paid anything
    pool_recipients: int  # distinct investors paid from either pool

    @classmethod
    def summed(cls, day: dict, slots: list[dict], summary: dict) -> PastDay:
        """The day with its ledger summary (``Store.summaries``: paid, usersPaid, poolRecipients)."""
        return cls(day, slots, summary["paid"], summary["usersPaid"], summary["poolRecipients"])

    @property
    def status(self) -> str:
        return overall_status([s["status"] for s in self.slots])

    @property
    def ended(self) -> bool:
        """Every slot has finished (COMPLETED or FAILED): only such days are history (BRIEF section 11:
        the admin app shows every status but COMPLETED as "Failed")."""
        return all(s["status"] in ("COMPLETED", "FAILED") for s in self.slots)

    def slot_counts(self) -> dict[str, int]:
        """The finished slots' counts, added up: stakes paid ROS, users paid from each pool."""
        details = [s["executionDetails"] for s in self.finished]
        return {
            "ros": sum(d["rosStats"]["processedStakes"] for d in details),
            "premium": sum(d["premiumPoolStats"]["usersReceived"] for d in details),
            "performance": sum(d["performancePoolStats"]["usersReceived"] for d in details),
        }

    @property
    def finished(self) -> list[dict]:
        return [s for s in self.slots if s["status"] in ("COMPLETED", "FAILED") and s.get("executionDetails")]

    @property
    def failed(self) -> list[dict]:
        return [s for s in self.finished if s["status"] == "FAILED"]

    def failure_reason(self) -> str | None:
        if not self.failed:
            return None
        return "; ".join(f"slot {s['slotNumber']}: {s['executionDetails']['error']}" for s in self.failed)

    def pools_paid(self) -> Decimal:
        return self.paid["premium"] + self.paid["performance"]

    def declared(self) -> dict:
        """What the day's queue declared, as the wire shows it (history record and details alike)."""
        values = self.day["values"]
        premium, performance = exact(values["premiumPoolAmount"]), exact(values["performancePoolAmount"])
        return {
            "rosPercentage": wire_percent(exact(values["rosPercentage"])),
            "premiumPoolAmount": wire(premium),
            "performancePoolAmount": wire(performance),
            "totalPoolAmount": wire(premium + performance),
        }

    def executed_at(self) -> str | None:
        """When the last finished slot finished."""
        return max((s["executionDetails"]["executedAt"] for s in self.finished), default=None)

    def execution_time_ms(self) -> int | None:
        """The finished slots' execution times, summed (None while none has finished)."""
        finished = self.finished
        return sum(s["executionDetails"]["executionTimeMs"] for s in finished) if finished else None


def history_record(past: PastDay) -> dict:
    record = {
        "id": past.day["date"],
        "date": past.day["date"],
        "status": past.status,
        **past.declared(),
        "stakeRosDistributedUSDT": wire(past.paid["ros"]),
        "poolsPaidToQualifiersUSDT": wire(past.pools_paid()),
        "usersCount": past.users_paid,
        "poolRecipientsCount": past.pool_recipients,
        "executedAt": past.executed_at(),
        "executionTimeMs": past.execution_time_ms(),
    }
    reason = past.failure_reason()
    if reason:
        record["error"] = reason
    return record


def history_summary(days: Sequence[PastDay]) -> dict:
    return {
        "totalRecords": len(days),
        "completedCount": sum(1 for d in days if d.status == "COMPLETED"),
        "failedCount": sum(1 for d in days if d.status == "FAILED"),
        "totalROSDistributed": wire(sum((d.paid["ros"] for d in days), Decimal(0))),
        "totalPoolsDistributed": wire(sum((d.pools_paid() for d in days), Decimal(0))),
    }


def history_page(days: Sequence[PastDay], page: int, limit: int) -> dict:
    """The ``data`` of the history: one page of records (newest first), the summary, the pagination."""
    chunk = days[(page - 1) * limit : page * limit]
    return {
        "records": [history_record(d) for d in chunk],
        "summary": history_summary(days),
        "pagination": {"page": page, "limit": limit, "total": len(days), "pages": math.ceil(len(days) / limit)},
    }


def details_view(past: PastDay, queued_by: dict | None) -> dict:
    """The ``data`` of ``GET .../{date}/details``."""
    execution = None
    if past.finished:
        counts, paid = past.slot_counts(), past.paid
        execution = {
            "executedAt": past.executed_at(),
            "executionTimeMs": past.execution_time_ms(),
            "statistics": {  # objects: the details dialog reads each field unguarded (BRIEF section 11)
                "ros": {"processedStakes": counts["ros"], "totalDistributed": wire(paid["ros"])},
                "premiumPool": {"usersReceived": counts["premium"], "totalDistributed": wire(paid["premium"])},
                "performancePool": {
                    "usersReceived": counts["performance"],
                    "totalDistributed": wire(paid["performance"]),
                },
                "totalDistributed": wire(paid["ros"] + past.pools_paid()),
            },
        }
    error = None
    if past.failed:
        error = {
            "message": f"{len(past.failed)} of {len(past.slots)} slot(s) failed",
            "reason": past.failure_reason(),
            "timestamp": max(s["executionDetails"]["executedAt"] for s in past.failed),
        }
    return {
        "date": past.day["date"],
        "status": past.status,
        "declaration": {**past.declared(), "description": past.day["values"].get("description", "")},
        "queue": {
            "queuedAt": past.day["createdAt"],
            "queuedBy": queued_by,
            "scheduledFor": min(s["scheduledFor"] for s in past.slots),
        },
        "execution": execution,
        "error": error,
    }


CSV_COLUMNS = (
    "date", "status", "rosPercentage", "premiumPoolAmount", "performancePoolAmount", "totalPoolAmount",
    "stakeRosDistributedUSDT", "poolsPaidToQualifiersUSDT", "usersCount", "poolRecipientsCount", "executedAt",
    "executionTimeMs", "error",
)  # fmt: skip
AMOUNT_COLUMNS = frozenset(c for c in CSV_COLUMNS if c.endswith(("Amount", "USDT")))
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(column: str, value) -> str:
    """A CSV cell: amounts with their two decimals; no text a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if column in AMOUNT_COLUMNS:
        return f"{Decimal(str(value)):.2f}"
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def history_csv(days: Sequence[PastDay]) -> str:
    """The export: one header line, then one line per record, newest first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for past in days:
        record = history_record(past)
        writer.writerow([_cell(column, record.get(column)) for column in CSV_COLUMNS])
    return out.getvalue()
