"""Writes that put back what they found: the schedule, its enabled flag and today's distribution.

Taken before a case or a fuzz run that may write; restored afterwards even when it failed; the run
fails if the backend could not be left exactly as it was found (a failing teardown names it).
"""

from __future__ import annotations

from dataclasses import dataclass

from .contract import fail
from .helpers import SCHEDULE, STATUS, TOGGLE, settings_body
from .target import Target


@dataclass
class ScheduleSnapshot:
    api: Target
    found: dict  # SETTINGS as read before
    today: dict | None  # today's status as read before (None when unreadable)

    @classmethod
    def take(cls, api: Target) -> ScheduleSnapshot:
        exchange = api.request("GET", SCHEDULE, headers=api.auth())
        if exchange.status != 200:
            fail(exchange, "200 with the schedule, to snapshot it before writing", "BRIEF §2")
        return cls(api, exchange.json()["data"], _today(api))

    def restore(self) -> None:
        api = self.api
        if api.is_mock:
            return  # the next case resets the mock to its fixtures
        now = _schedule(api)
        rule = "the suite leaves a live backend as it found it (TEST_CASES.md, live-write)"
        if now is None or settings_body(now) != settings_body(self.found):
            put = api.request("PUT", SCHEDULE, headers=api.auth(code=True), json=settings_body(self.found))
            if put.status != 200:
                fail(put, f"200: restoring the schedule found before the run, {settings_body(self.found)}", rule)
        now = _schedule(api)
        if now is not None and now["isEnabled"] != self.found["isEnabled"]:
            body = {"isEnabled": self.found["isEnabled"]}
            toggled = api.request("PATCH", TOGGLE, headers=api.auth(code=True), json=body)
            if toggled.status != 200:
                fail(toggled, f"200: restoring isEnabled={self.found['isEnabled']}", rule)
        final = _schedule(api)
        if (
            final is None
            or settings_body(final) != settings_body(self.found)
            or final["isEnabled"] != self.found["isEnabled"]
        ):
            fail(
                api,
                f"the schedule as found: {settings_body(self.found)} enabled={self.found['isEnabled']}",
                rule,
            )
        if not api.allow_distribution and self.today is not None:
            after = _today(api)
            if after is not None and _day(after) != _day(self.today):
                fail(api.last, f"today's distribution untouched without --allow-distribution: {_day(self.today)}", rule)


def _schedule(api: Target) -> dict | None:
    exchange = api.request("GET", SCHEDULE, headers=api.auth())
    return exchange.json()["data"] if exchange.status == 200 else None


def _today(api: Target) -> dict | None:
    exchange = api.request("GET", STATUS, headers=api.auth())
    return exchange.json()["data"] if exchange.status == 200 else None


def _day(status: dict) -> tuple:
    """What of today's distribution a write without --allow-distribution must never change."""
    return (
        status.get("today"),
        status.get("values"),
        [(s["slotNumber"], s.get("rosPercentage"), s.get("scheduledFor")) for s in status.get("distributionSlots", [])],
    )
