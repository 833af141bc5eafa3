"""The watch itself: poll, judge, follow, alert on transitions, tell every output; and the loop that
does it every ``--every`` until told to stop.

A test drives it poll by poll (``poll_once``, between its own clock moves); ``run`` is the loop, its
waiting injected (``sleep(seconds)`` returns True when the watch was told to stop), so no test sleeps
on the wall clock. ``finish`` says the summary, writes the report and closes the outputs; its value is
the exit status: 0 clean, 1 when any alert fired, 2 when the target never answered.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ..oracle import wire_instant
from .alerts import AlertBook, title
from .checks import judge
from .events import Event
from .metrics import Metrics
from .pacing import next_wait
from .reading import Poll, Reader
from .report import Report
from .sinks import Output
from .tracking import Tracker


@dataclass(frozen=True)
class Options:
    every: float = 60.0  # seconds between polls
    stuck_after: float = 10.0  # minutes
    overdue_grace: float = 5.0  # minutes
    slow_ms: float = 2000.0
    heartbeat: float = 3600.0  # seconds (this machine's clock) between heartbeats, at most one an hour


def _wall() -> str:
    return wire_instant(datetime.now(UTC))


class Watcher:
    def __init__(
        self,
        reader: Reader,
        options: Options,
        *,
        target: str,
        outputs: Sequence[Output] = (),
        metrics: Metrics | None = None,
        report: Report | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reader = reader
        self.options = options
        self.target = target
        self.outputs = [*outputs, *([report] if report else [])]
        self.metrics = metrics
        self.report = report
        self.monotonic = monotonic
        self.scrub = reader.secrets.scrub
        self.book = AlertBook(self.scrub)
        self.tracker = Tracker(timedelta(minutes=options.stuck_after), timedelta(minutes=options.overdue_grace))
        self.polls = self.answered = self.down = self.internal_errors = 0
        self.judged: set[str] = set()
        self.first: str | None = None
        self.now: datetime | None = None  # the target's clock at the latest poll
        self.zone: ZoneInfo | None = None  # the saved schedule's, for the polls around midnight
        self._heartbeat_at: float | None = None

    # -- events -----------------------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        for output in self.outputs:
            output.handle(event)

    def _say(self, kind: str, message: str) -> Event:
        event = Event(kind, self.scrub(message), _wall(), wire_instant(self.now) if self.now else "")
        self.emit(event)
        return event

    @property
    def mode(self) -> str:
        if self.reader.on_mock:
            return "watch, read-only, on the mock's clock"
        return "watch, read-only" + ("" if self.reader.token else ", no token: /cron-status only")

    def start(self) -> None:
        said = f"watching {self.target} every {self.options.every:g}s: GETs only"
        said += "" if self.reader.token else "; no --token: /cron-status alone (the public read)"
        self._say("start", said)

    # -- one poll ---------------------------------------------------------------------------------
    def poll_once(self, now: datetime | None = None) -> list[Event]:
        """Read the target once (``now`` stands for its clock when given), judge, and say what changed."""
        poll = self.reader.read(now)
        judged = judge(poll, slow_ms=self.options.slow_ms, grace=timedelta(minutes=self.options.overdue_grace))
        self.tracker.update(poll, judged)
        self._count(poll, judged.view.schedule)
        self.judged |= judged.judged
        today = judged.view.status["today"] if judged.view.status else None
        events = self.book.update(judged, _wall(), wire_instant(poll.before), today)
        for event in events:
            self.emit(event)
        if self.metrics is not None:
            self.metrics.observe(poll, judged, self.book)
        if self._heartbeat_at is None or self.monotonic() - self._heartbeat_at >= self.options.heartbeat:
            self._heartbeat_at = self.monotonic()
            events.append(self._heartbeat())
        return events

    def _count(self, poll: Poll, schedule: dict | None) -> None:
        self.polls += 1
        self.now = poll.after
        self.first = self.first or wire_instant(poll.before)
        if poll.answered:
            self.answered += 1
        self.down = self.down + 1 if poll.unreachable else 0
        if schedule:
            self.zone = ZoneInfo(schedule["timezone"])

    def _heartbeat(self) -> Event:
        judged = ", ".join(sorted(self.judged)) or "nothing yet (no answer)"
        opened = "; ".join(title(p.finding) for p in list(self.book.open.values())[:5])
        said = f"{self.polls} poll(s), {self.answered} answered; judged: {judged}; open: {len(self.book.open)}"
        return self._say("heartbeat", said + (f" ({opened})" if opened else ""))

    # -- the loop ---------------------------------------------------------------------------------
    def run(
        self,
        sleep: Callable[[float], bool],
        *,
        once: bool = False,
        deadline: float | None = None,
        until: datetime | None = None,
    ) -> None:
        """Poll until ``once`` is done, the ``deadline`` (``monotonic``) passes, the target's clock reaches
        ``until``, or ``sleep`` says the watch was told to stop."""
        while True:
            try:
                self.poll_once()
            except Exception as failed:  # a bug of ours must not end a week's watch: said, and on
                self.internal_errors += 1
                print(
                    self.scrub(f"watch: internal error in a poll: {type(failed).__name__}: {failed}"), file=sys.stderr
                )
            if once or (until is not None and self.now is not None and self.now >= until):
                return
            wait = next_wait(self.options.every, self.down, self.now, self.zone)
            if deadline is not None:
                left = deadline - self.monotonic()
                if left <= 0:
                    return
                wait = min(wait, left)
            if sleep(wait) or (deadline is not None and self.monotonic() >= deadline):
                return

    def exit_status(self) -> int:
        if self.answered == 0:
            return 2
        return 1 if self.book.alerts else 0

    def finish(self) -> int:
        """The summary line, the report, the outputs closed; the exit status."""
        status = self.exit_status()
        still = "; ".join(title(p.finding) for p in self.book.open.values())
        closing = (
            f"{self.polls} poll(s) of {self.target} from {self.first or '-'} to "
            f"{wire_instant(self.now) if self.now else '-'} (target time), {self.answered} answered: "
            f"{self.book.alerts} alert(s), {sum(self.book.cleared.values())} cleared, {len(self.book.open)} open"
            + (f" ({still})" if still else "")
            + f"; exit {status}"
        )
        self._say("summary", closing)
        if self.report is not None:
            self.report.write(self.judged, self.scrub(closing), self.mode)
        for output in self.outputs:
            output.close()
        if self.metrics is not None:
            self.metrics.close()
        self.reader.close()
        return status
