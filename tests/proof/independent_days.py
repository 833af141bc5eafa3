"""The independent backend's days as today's admin app reads them (BRIEF sections 10 and 11): the payout
summary card of today's status, the history (finished days only), a day's details and the CSV export.

Written from the brief alone, like ``tests/proof/independent_backend.py`` (which builds the days: their slots,
with their stats, and their times); pure: days in, the wire's dicts and CSV text out. Each planted fault
of these rows (``FAULTS``) is one ``if`` here, named.
"""

from __future__ import annotations

from dataclasses import dataclass

FAULTS = {
    "statistics-as-numbers": "details' statistics are numbers, not objects (the dialog crashes)",
    "details-disagree-with-record": "details' ROS is a dollar more than the history record's",
    "open-day-in-history": "the history lists today while a slot is still PENDING",
    "pool-recipients-above-users": "poolRecipientsCount is one more than usersCount",
    "totals-without-projection": "today's distributionTotals lack projected and multiSlot",
}
FINISHED = ("COMPLETED", "FAILED")


@dataclass(frozen=True)
class Day:
    """One distributed day: its date (``YYYY-MM-DD``), its slots (as today's status shows them), what it
    declared, when it was queued, and whom it paid (distinct investors: anything; from either pool)."""

    date: str
    slots: list[dict]
    values: dict
    queued_at: str
    users: int
    pool_recipients: int

    @property
    def status(self) -> str:
        states = [s["status"] for s in self.slots]
        if "EXECUTING" in states:
            return "EXECUTING"
        if "FAILED" in states:
            return "FAILED"
        return "COMPLETED" if all(state == "COMPLETED" for state in states) else "PENDING"

    @property
    def finished(self) -> bool:
        return all(s["status"] in FINISHED for s in self.slots)

    @property
    def ran(self) -> list[dict]:
        """The executionDetails of the slots that finished."""
        return [s["executionDetails"] for s in self.slots if s["status"] in FINISHED and s["executionDetails"]]

    def paid(self) -> dict:
        ran = self.ran
        return {
            "ros": sum(d["rosStats"]["totalDistributed"] for d in ran),
            "stakes": sum(d["rosStats"]["processedStakes"] for d in ran),
            "premium": sum(d["premiumPoolStats"]["totalDistributed"] for d in ran),
            "premiumUsers": sum(d["premiumPoolStats"]["usersReceived"] for d in ran),
            "performance": sum(d["performancePoolStats"]["totalDistributed"] for d in ran),
            "performanceUsers": sum(d["performancePoolStats"]["usersReceived"] for d in ran),
        }

    def failures(self) -> str | None:
        failed = [s for s in self.slots if s["status"] == "FAILED"]
        return "; ".join(f"slot {s['slotNumber']}: {s['executionDetails']['error']}" for s in failed) or None


def declared(values: dict) -> dict:
    premium, performance = values["premiumPoolAmount"], values["performancePoolAmount"]
    return {"rosPercentage": values["rosPercentage"], "premiumPoolAmount": premium,
            "performancePoolAmount": performance, "totalPoolAmount": premium + performance}  # fmt: skip


def record(day: Day, faults: set[str]) -> dict:
    paid, ran = day.paid(), day.ran
    found = {
        "id": day.date, "date": day.date, "status": day.status, **declared(day.values),
        "stakeRosDistributedUSDT": paid["ros"], "poolsPaidToQualifiersUSDT": paid["premium"] + paid["performance"],
        "usersCount": day.users,
        "poolRecipientsCount": day.users + 1 if "pool-recipients-above-users" in faults else day.pool_recipients,
        "executedAt": max((d["executedAt"] for d in ran), default=None),
        "executionTimeMs": sum(d["executionTimeMs"] for d in ran) if ran else None,
    }  # fmt: skip
    if day.failures():
        found["error"] = day.failures()
    return found


def history(days: list[Day], faults: set[str]) -> list[dict]:
    """The records, newest first: the finished days only (BRIEF §11), unless a fault lists an open one."""
    listed = [day for day in days if day.finished or "open-day-in-history" in faults]
    return [record(day, faults) for day in sorted(listed, key=lambda d: d.date, reverse=True)]


def details(day: Day, faults: set[str]) -> dict:
    paid, ran = day.paid(), day.ran
    execution = None
    if ran:
        ros = paid["ros"] + (1 if "details-disagree-with-record" in faults else 0)
        statistics = {
            "ros": {"processedStakes": paid["stakes"], "totalDistributed": ros},
            "premiumPool": {"usersReceived": paid["premiumUsers"], "totalDistributed": paid["premium"]},
            "performancePool": {"usersReceived": paid["performanceUsers"], "totalDistributed": paid["performance"]},
            "totalDistributed": ros + paid["premium"] + paid["performance"],
        }
        if "statistics-as-numbers" in faults:
            statistics = {"ros": ros, "premiumPool": paid["premium"], "performancePool": paid["performance"],
                          "totalDistributed": statistics["totalDistributed"]}  # fmt: skip
        execution = {"executedAt": max(d["executedAt"] for d in ran),
                     "executionTimeMs": sum(d["executionTimeMs"] for d in ran), "statistics": statistics}  # fmt: skip
    failed = [s for s in day.slots if s["status"] == "FAILED"]
    error = None
    if failed:
        error = {"message": f"{len(failed)} of {len(day.slots)} slot(s) failed", "reason": day.failures(),
                 "timestamp": max(s["executionDetails"]["executedAt"] for s in failed)}  # fmt: skip
    return {
        "date": day.date, "status": day.status, "declaration": {**declared(day.values), "description": ""},
        "queue": {"queuedAt": day.queued_at, "queuedBy": None,
                  "scheduledFor": min(s["scheduledFor"] for s in day.slots)},
        "execution": execution, "error": error,
    }  # fmt: skip


def csv_text(records: list[dict]) -> str:
    lines = ["date,status,stakeRosDistributedUSDT,poolsPaidToQualifiersUSDT,usersCount,poolRecipientsCount"]
    lines += [
        f"{r['date']},{r['status']},{r['stakeRosDistributedUSDT']:.2f},{r['poolsPaidToQualifiersUSDT']:.2f},"
        f"{r['usersCount']},{r['poolRecipientsCount']}"
        for r in records
    ]
    return "\r\n".join(lines) + "\r\n"


def totals(day: Day, per_slot_ros: float, active_stakes: int, faults: set[str]) -> dict:
    """The payout summary (BRIEF §10/§11): what was declared, what the slots paid (their stats summed),
    what the day will pay (paid, plus the PENDING slots at today's stakes), and the slots counted."""
    paid, values = day.paid(), day.values
    pending = sum(s["status"] == "PENDING" for s in day.slots)
    pools = paid["premium"] + paid["performance"]
    budget = values["premiumPoolAmount"] + values["performancePoolAmount"]
    card = {
        "currency": "USDT",
        "scheduled": {"poolBudgetTotalUSDT": budget, "premiumPoolScheduledUSDT": values["premiumPoolAmount"],
                      "performancePoolScheduledUSDT": values["performancePoolAmount"],
                      "stakeRosNote": "per stake, per slot"},
        "actual": {"stakeRosTotalUSDT": paid["ros"], "stakeRosProcessedStakesReported": paid["stakes"],
                   "poolPaidToQualifiersTotalUSDT": pools, "premiumPoolPaidUSDT": paid["premium"],
                   "performancePoolPaidUSDT": paid["performance"], "poolsDistributed": pools > 0},
        "projected": {"stakeRosFullDayUSDT": paid["ros"] + pending * per_slot_ros,
                      "stakeRosRemainingSlotsUSDT": pending * per_slot_ros, "stakeRosCompletedSlotsUSDT": paid["ros"],
                      "activeStakesConsidered": active_stakes, "poolQualifiersEstimatedUSDT": budget,
                      "grandTotalEstimatedUSDT": paid["ros"] + pending * per_slot_ros + budget,
                      "disclaimer": "an estimate: stakes active now, at the declared ROS"},
        "multiSlot": {"completedSlots": sum(s["status"] == "COMPLETED" for s in day.slots),
                      "totalSlots": len(day.slots), "pendingSlots": pending},
    }  # fmt: skip
    if "totals-without-projection" in faults:
        del card["projected"], card["multiSlot"]
    return card
