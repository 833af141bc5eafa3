"""``--report FILE.html``: the run as one self-contained HTML file, written when the run ends (as
``verify --report`` writes its own, with the same renderer: ``contract_tests.html_report``). One row
per monitor: FAILED when it alerted (its alerts and clears beside it, with the exchanges), PASSED when
it judged and found nothing, SKIPPED when it could not judge (no token, or the target never answered).
It keeps at most ``KEPT`` events per monitor (and counts the rest), so a week's run writes a file
the size of a day's."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .. import html_report
from ..contract import document
from .events import MONITORS, Event

KEPT = 20


class Report:
    def __init__(self, path: Path, target: str, scrub: Callable[[str], str]) -> None:
        self.path = Path(path)
        self.target = target
        self.scrub = scrub
        self.events: dict[str, list[Event]] = defaultdict(list)
        self.counts: Counter[str] = Counter()

    def handle(self, event: Event) -> None:
        if event.kind not in ("alert", "clear"):
            return
        self.counts[event.monitor] += 1
        if len(self.events[event.monitor]) < KEPT:
            self.events[event.monitor].append(event)

    def close(self) -> None:
        """Written by ``write``; nothing to do as an output."""

    def write(self, judged: set[str], closing: str, mode: str) -> None:
        rows, bugs = [], {}
        for monitor, (case, title) in MONITORS.items():
            alerts = sum(e.kind == "alert" for e in self.events[monitor])
            if alerts:
                outcome = "failed"
                more = self.counts[monitor] - len(self.events[monitor])
                reason = f"{alerts} alert(s)" + (f"; {more} more event(s) not kept" if more > 0 else "")
                bugs[f"{case} {monitor}"] = [(f"{e.label} at {e.target_time}", _text(e)) for e in self.events[monitor]]
            elif monitor in judged:
                outcome, reason = "passed", "judged every poll it could; found nothing"
            else:
                outcome, reason = "skipped", "never judged (no token, or no answer it could read)"
            rows.append((f"{case} {monitor}", title, outcome, reason))
        run = {"target": self.target, "mode": mode, "contract_version": str(document()["info"]["version"]), "seed": "-"}
        generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        self.path.write_text(html_report.render(run, generated, rows, closing, bugs, self.scrub), encoding="utf-8")


def _text(event: Event) -> str:
    lines = [event.message, f"rule: {event.rule}"] if event.rule else [event.message]
    return "\n".join([*lines, event.evidence] if event.evidence else lines)
