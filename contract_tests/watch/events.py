"""What ``watch`` says: its monitors (name, case, what each watches) and its events, as one console
line and as one JSON object (the same fields everywhere: JSON lines, webhook bodies, the report).

Events: ``alert`` (a problem starts), ``clear`` (it ends; ``recovered`` for the target answering
again), ``heartbeat`` (at most once an hour: what was checked), ``start`` and ``summary``. Every text
an event carries has passed through the run's redaction before it is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# name: (case, what it watches). The case is the catalogue's (shared/TEST_CASES.md); UPTIME is the
# target's availability, which no case covers.
MONITORS: dict[str, tuple[str, str]] = {
    "unreachable": ("UPTIME", "the target answers"),
    "server-error": ("UPTIME", "no read is answered 5xx (BRIEF §0: a 500 is a defect)"),
    "slow": ("UPTIME", "every read answers within --slow-ms"),
    "refused": ("TC04", "the reads are accepted with the token given"),
    "contract": ("TC01 TC03 TC21 TX09", "each answer against the contract's schema and envelope"),
    "next-executions": ("TC01 TC03", "/cron-status and nextExecutions follow the saved schedule"),
    "tc16-slot-instants": ("TC16", "slot instants match the schedule's zone and times"),
    "tc21-overall-status": ("TC21", "the overall status and lastExecution follow the slots"),
    "tc22-paid-nobody": ("TC22", "no COMPLETED slot paid nobody"),
    "tc24-overdue-pending": ("TC24", "no PENDING slot past its time (plus --overdue-grace)"),
    "tc27-local-today": ("TC27", "'today' is the date in the schedule's zone"),
    "failed-slot": ("TC23", "no slot ends FAILED (the day's status FAILED with it)"),
    "stuck-slot": ("TC21", "no slot EXECUTING longer than --stuck-after"),
    "went-back": ("TC21", "no slot goes back to an earlier status without a visible force-reset"),
    "amounts-changed": ("TC22", "a COMPLETED slot's amounts never change"),
    "day-end": ("TC24", "a day ends with every slot run, none lost"),
    "history-totals": ("TX09", "the history's record of a day has the totals its slots showed"),
}
ADMIN_MONITORS = set(MONITORS) - {"unreachable", "server-error", "slow", "refused", "contract", "next-executions"}


@dataclass(frozen=True)
class Event:
    kind: str  # alert | clear | heartbeat | start | summary
    message: str
    time: str  # this machine's clock (ISO, UTC)
    target_time: str  # the target's clock (the mock's, on a mock)
    monitor: str = ""
    case: str = ""
    key: str = ""
    rule: str = ""
    evidence: str = ""  # the exchange that showed it (redacted), for an alert
    exchange: str = ""  # that exchange in short: ``GET /cron-status -> 200``

    @property
    def label(self) -> str:
        if self.kind == "clear" and self.monitor == "unreachable":
            return "RECOVERED"
        return self.kind.upper()

    def line(self) -> str:
        """One console line: when, what, the case and monitor, the message, the rule, the exchange."""
        text = f"{self.time} {self.label}" + (f" {self.case} {self.monitor}:" if self.case else "")
        text += f" {self.message}"
        if self.rule:
            text += f" [{self.rule}]"
        if self.exchange:
            text += f" ({self.exchange})"
        return " ".join(text.split())  # one line, whatever the texts held

    def record(self) -> dict:
        """The event as one JSON object (``text`` is its console line)."""
        found = {"event": self.kind, **{k: v for k, v in asdict(self).items() if k != "kind"}}
        found["targetTime"] = found.pop("target_time")
        found["text"] = self.line()
        return found
