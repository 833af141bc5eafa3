"""Alerts on transitions: a problem found by a poll that the previous one did not find starts an
alert; a problem that a poll could judge and no longer found clears. The same problem found poll after
poll is said once. What is open is bounded by what the monitors can find (today, the day before it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..monitors import Finding
from .checks import Judged
from .events import Event


@dataclass
class Open:
    monitor: str
    finding: Finding
    since: str  # the target's clock when it started
    last: str  # ... and when it was last found
    polls: int = 1


def title(finding: Finding) -> str:
    """The problem's name without its case (the line names the case beside it)."""
    return finding.key.removeprefix(finding.case + " ")


class AlertBook:
    def __init__(self, scrub: Callable[[str], str]) -> None:
        self.scrub = scrub
        self.open: dict[str, Open] = {}
        self.fired: Counter[str] = Counter()  # alerts started, by monitor
        self.cleared: Counter[str] = Counter()

    @property
    def alerts(self) -> int:
        return sum(self.fired.values())

    def update(self, judged: Judged, time: str, target_time: str, today: str | None = None) -> list[Event]:
        """The events of one poll; ``today``: the day the target now says it is (a problem of another day
        that is no longer found cleared because that day ended)."""
        current: dict[str, tuple[str, Finding]] = {}
        for monitor, finding in judged.found:
            current.setdefault(finding.key, (monitor, finding))
        events = []
        for key, problem in list(self.open.items()):
            if key in current:
                problem.polls += 1
                problem.last = target_time
            elif problem.monitor in judged.judged:
                del self.open[key]
                self.cleared[problem.monitor] += 1
                events.append(self._event("clear", problem, time, target_time, self._cleared(problem, today)))
        for key, (monitor, finding) in current.items():
            if key not in self.open:
                problem = self.open[key] = Open(monitor, finding, target_time, target_time)
                self.fired[monitor] += 1
                events.append(
                    self._event("alert", problem, time, target_time, f"{title(finding)}: expected {finding.expected}")
                )
        return events

    @staticmethod
    def _cleared(problem: Open, today: str | None) -> str:
        seen = f"from {problem.since} to {problem.last}, {problem.polls} poll(s)"
        if problem.monitor == "unreachable":
            return f"the target answers again (unreachable {seen})"
        day = problem.finding.day
        if day and today and day < today:
            return f"{title(problem.finding)}: {day} has ended, today is {today} (found {seen})"
        return f"{title(problem.finding)}: no longer so (found {seen})"

    def _event(self, kind: str, problem: Open, time: str, target_time: str, message: str) -> Event:
        finding, scrub = problem.finding, self.scrub
        exchange = finding.exchange
        short = f"{exchange.method} {exchange.path} -> {exchange.status}" if exchange is not None else ""
        return Event(
            kind, scrub(message), time, target_time, problem.monitor, finding.case, scrub(finding.key),
            scrub(finding.rule), scrub(exchange.describe()) if exchange is not None and kind == "alert" else "",
            scrub(short),
        )  # fmt: skip
