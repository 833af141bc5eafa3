"""The judgments of one poll, each from what that poll read alone: the target's availability, every
answer against the contract, ``/cron-status`` and ``nextExecutions`` against the saved schedule, the
suite's read-only monitors (``contract_tests.monitors``, the same code) and the FAILED slots.

A monitor judges only what it can: an answer that departs from the contract is a contract alert, and
the monitors that would read it wait for a conforming one (a malformed body never crashes a poll).
``judged`` names the monitors that judged this poll; a problem of a monitor that could not judge it
stays as it was (the target down is not a problem cleared).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..contract import Exchange, schema_problems
from ..monitors import READ_ONLY, Finding, Observed
from ..oracle import next_runs, parse_instant, wall_clock
from .reading import Poll

Found = tuple[str, Finding]  # (monitor, finding)
CASE_OF = {"cron-status": "TC01", "schedule": "TC03", "status": "TC21", "history": "TX09"}
RULE_OF = {
    "cron-status": "BRIEF §5: GET /cron-status, public and unenveloped",
    "schedule": "BRIEF §2: GET distribution-schedule answers SETTINGS in the success envelope",
    "status": "BRIEF §7: GET today/status answers STATUS in the success envelope",
    "history": "BRIEF §10/§11: GET history answers the finished days in the success envelope",
}
UPTIME = "watch: the target answers every read, without a 5xx, within --slow-ms (BRIEF §0: a 500 is a defect)"
JUDGING_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass
class View:
    """The conforming answers of one poll, parsed (None: not read, or not conforming)."""

    cron: dict | None = None
    schedule: dict | None = None
    schedule_usable: bool = False  # read and conforming, or 404: no schedule configured
    status: dict | None = None
    status_exchange: Exchange | None = None
    history: list[dict] | None = None


@dataclass
class Judged:
    found: list[Found] = field(default_factory=list)
    judged: set[str] = field(default_factory=set)
    view: View = field(default_factory=View)

    def add(self, monitor: str, findings: list[Finding]) -> None:
        self.judged.add(monitor)
        self.found += [(monitor, finding) for finding in findings]


def availability(poll: Poll, slow_ms: float, judged: Judged) -> None:
    down = poll.unreachable
    found = [Finding("UPTIME", "UPTIME unreachable", f"the target answering; it did not: {down}", UPTIME, None)]
    judged.add("unreachable", found if down else [])
    if not poll.answered:
        return  # slow and 5xx wait for an answer
    answers = [read for read in poll.reads.values() if read.exchange is not None]
    judged.add("server-error", [
        Finding("UPTIME", f"UPTIME 5xx {read.name}", f"GET {read.exchange.path} answered without a 5xx; it answered "
                f"{read.exchange.status}", UPTIME, read.exchange)
        for read in answers if read.exchange.status >= 500
    ])  # fmt: skip
    judged.add("slow", [
        Finding("UPTIME", f"UPTIME slow {read.name}", f"GET {read.exchange.path} answered within {slow_ms:g} ms; it "
                f"took {read.seconds * 1000:.0f} ms", UPTIME, read.exchange)
        for read in answers if read.seconds * 1000 > slow_ms
    ])  # fmt: skip


def contract(poll: Poll, judged: Judged) -> None:
    """Each answer against the contract; the conforming ones go into ``judged.view``."""
    refused, departing = [], []
    view = judged.view
    for name, read in poll.reads.items():
        exchange = read.exchange
        if exchange is None or exchange.status >= 500:
            continue
        if name != "cron-status" and exchange.status in (401, 403):
            expected = f"GET {exchange.path} accepted with the token given (is --token an admin's, still valid?)"
            refused.append(Finding("TC04", f"TC04 refused {name}", expected, "BRIEF §0: an admin's token", exchange))
            continue
        problems = schema_problems(exchange)
        if problems:
            expected = "a body that conforms to openapi/contract.yaml; it does not: " + "; ".join(problems)
            departing.append(Finding(CASE_OF[name], f"contract {name}", expected, RULE_OF[name], exchange))
        elif exchange.status == 200:
            _keep(view, name, exchange)
        elif name == "schedule" and exchange.status == 404:
            view.schedule_usable = True  # BRIEF §2: no schedule configured
    judged.add("refused", refused)
    judged.add("contract", departing)


def _keep(view: View, name: str, exchange: Exchange) -> None:
    body = exchange.body
    if name == "cron-status":
        view.cron = body
    elif name == "schedule":
        view.schedule, view.schedule_usable = body["data"], True
    elif name == "status":
        view.status, view.status_exchange = body["data"], exchange
    elif name == "history":
        view.history = body["data"]["records"]


def run_lists(schedules: list[dict], zone: ZoneInfo, start: datetime, end: datetime) -> list[list[tuple[int, str]]]:
    """Every ``next_runs`` the target could have computed at an instant from ``start`` to ``end``: the
    list changes only when a run's instant passes."""
    lists = [next_runs(schedules, zone, start)]
    while lists[-1] and len(lists) < 24 and parse_instant(lists[-1][0][1]) <= end:
        lists.append(next_runs(schedules, zone, parse_instant(lists[-1][0][1])))
    return lists


def next_executions(poll: Poll, tolerance: timedelta, judged: Judged) -> None:
    """TC01/TC03: ``/cron-status`` and the saved ``nextExecutions`` follow the saved schedule."""
    view = judged.view
    if view.cron is None or not (view.schedule_usable or "schedule" not in poll.reads):
        return
    rule = "BRIEF §2/§5: nextExecutions are each slot's next run strictly after now; /cron-status shows the schedule"
    cron, saved, found = view.cron, view.schedule, []
    if saved is None:
        found += _cron_alone(cron)
    else:
        zone = ZoneInfo(saved["timezone"])
        lists = run_lists(saved["schedules"], zone, poll.before - tolerance, poll.after + tolerance)
        saved_runs = [(e["slotNumber"], e["scheduledFor"]) for e in saved["nextExecutions"]]
        enabled = saved["isEnabled"]
        if (enabled and saved_runs not in lists) or (not enabled and saved_runs):
            found.append(("TC03", "TC03 nextExecutions", f"nextExecutions {lists[0] if enabled else []}"))
        found += _cron_against(cron, saved, lists)
    shown_by = {"TC01": poll.reads["cron-status"].exchange, "TC03": poll.reads["schedule"].exchange if saved else None}
    judged.add("next-executions", [Finding(case, key, said, rule, shown_by[case]) for case, key, said in found])


def _cron_alone(cron: dict) -> list[tuple[str, str, str]]:
    nxt, times = cron.get("nextExecution"), {e["slotNumber"]: e["scheduledTime"] for e in cron["schedules"]}
    if not cron["isEnabled"] or nxt is None:
        return [] if not cron["isEnabled"] else [("TC01", "TC01 nextExecution", "a nextExecution while enabled")]
    zone = cron["timezone"].split(" (")[0].strip()
    if times.get(nxt["slot"]) != wall_clock(nxt["time"], zone):
        return [("TC01", "TC01 nextExecution", f"nextExecution {nxt['time']} at slot {nxt['slot']}'s {zone} time")]
    return []


def _cron_against(cron: dict, saved: dict, lists: list[list[tuple[int, str]]]) -> list[tuple[str, str, str]]:
    found = []
    times = [(e["slotNumber"], f"{e['hour']:02d}:{e['minute']:02d}:{e['second']:02d}") for e in saved["schedules"]]
    shown = sorted((e["slotNumber"], e["scheduledTime"]) for e in cron["schedules"])
    zone = cron["timezone"].split(" (")[0].strip()
    if shown != sorted(times) or zone != saved["timezone"] or cron["isEnabled"] != saved["isEnabled"]:
        said = (
            f"/cron-status showing the saved schedule: {saved['timezone']}, slots {times}, enabled {saved['isEnabled']}"
        )
        found.append(("TC01", "TC01 cron-status schedules", said))
    nxt = cron.get("nextExecution")
    firsts = [runs[0] for runs in lists if runs]
    if saved["isEnabled"] and (nxt is None or (nxt["slot"], nxt["time"]) not in firsts):
        found.append(
            ("TC01", "TC01 nextExecution", f"/cron-status nextExecution slot {firsts[0][0]} at {firsts[0][1]}")
        )
    elif not saved["isEnabled"] and nxt is not None:
        found.append(("TC01", "TC01 nextExecution", "no /cron-status nextExecution while the schedule is disabled"))
    return found


def read_only(poll: Poll, grace: timedelta, judged: Judged) -> None:
    """The suite's read-only monitors on today's status (``contract_tests.monitors``)."""
    view = judged.view
    if view.status is None or not view.schedule_usable:
        return
    seen = Observed(view.status_exchange, view.status, view.schedule, poll.before, poll.after)
    for monitor, judge in READ_ONLY.items():
        try:
            found = judge(seen, grace) if monitor == "tc24-overdue-pending" else judge(seen)
        except JUDGING_ERRORS as failed:  # conforming, yet not judgeable: say so, never crash
            expected = f"an answer {monitor} can judge; it could not ({type(failed).__name__}: {failed})"
            found = []
            judged.found.append(
                ("contract", Finding("TC21", f"contract {monitor}", expected, RULE_OF["status"], seen.exchange))
            )
        judged.add(monitor, found)


def failed_slots(judged: Judged) -> None:
    """TC23: a slot that ended FAILED (its error quoted), and the day's status with it."""
    today = judged.view.status
    if today is None:
        return
    rule = (
        "BRIEF §6: each slot moves PENDING -> EXECUTING -> COMPLETED, or FAILED with an error; §7: then the day FAILED"
    )
    day, found = today["today"], []
    for slot in today["distributionSlots"]:
        if slot["status"] == "FAILED":
            error = (slot.get("executionDetails") or {}).get("error")
            said = (
                f"slot {slot['slotNumber']} of {day} completing; it ended FAILED with error {error!r} "
                f"(the day's status: {today['status']})"
            )
            found.append(Finding("TC23", f"TC23 {day} slot {slot['slotNumber']} FAILED", said, rule,
                                 judged.view.status_exchange, day))  # fmt: skip
    judged.add("failed-slot", found)


def judge(poll: Poll, *, slow_ms: float, grace: timedelta) -> Judged:
    judged = Judged()
    availability(poll, slow_ms, judged)
    if poll.unreachable:
        return judged  # a poll cut short judges nothing else: what it did not read is not a problem cleared
    contract(poll, judged)
    tolerance = timedelta(0) if poll.on_mock else timedelta(seconds=90)  # this machine's clock is not the target's
    for step in (lambda: next_executions(poll, tolerance, judged), lambda: read_only(poll, grace, judged),
                 lambda: failed_slots(judged)):  # fmt: skip
        try:
            step()
        except JUDGING_ERRORS as failed:
            expected = f"answers the monitors can judge ({type(failed).__name__}: {failed})"
            judged.found.append(
                ("contract", Finding("TC21", "contract unjudgeable", expected, RULE_OF["status"], None))
            )
    return judged
