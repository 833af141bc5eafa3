"""TX07: a whole admin session, as the seed-day admin app and today's admin app make their calls, in
their order (BRIEF sections 8 and 10): every call answered 2xx, none 404."""

from __future__ import annotations

import json

import pytest

from ..contract import check, expect
from ..helpers import (
    CANCEL,
    DECLARATIONS,
    LOGIN,
    MODIFY,
    MULTI_QUEUE,
    MY_PERMISSIONS,
    PERMISSIONS,
    PREVIEW,
    QUALIFIERS,
    QUEUE,
    SCHEDULE,
    STATUS,
    THREE_SLOTS,
    TIMEZONES,
    get_schedule,
)
from ..oracle import money

CONFIG = "/config"


class AppSession:
    """Replays the admin app's calls in its order, as the app sends them (the 2FA code in the body,
    or the query for GET), and notes every answer."""

    def __init__(self, api) -> None:
        self.api = api
        self.answers: list[tuple[str, str, int]] = []
        self.auth: dict = {}

    def call(self, method, path, *, json_body=None, params=None, code=False, status=(200, 201), error=None):
        api = self.api
        body = dict(json_body) if json_body is not None else None
        if code:
            if body is not None:
                body["twoFACode"] = api.code()
            else:
                params = {**(params or {}), "twoFACode": api.code()}
        exchange = api.request(method, path, headers=self.auth, json=body, params=params)
        self.answers.append((method, path, exchange.status))
        return expect(exchange, status, "BRIEF §8, §10: the admin app must meet no error", code=error)

    def sign_in(self, *, asks_for_the_code: bool) -> None:
        self.api.secrets.remember("Admin123!")
        credentials = {"identifier": "admin@novunt.test", "password": "Admin123!"}
        if asks_for_the_code:  # today's app: first without a code, then with the one the user types
            self.call("POST", LOGIN, json_body=credentials, status=403, error="2FA_CODE_REQUIRED")
        signed = self.call("POST", LOGIN, json_body={**credentials, "twoFACode": self.api.code()})
        self.auth = {"Authorization": f"Bearer {signed['data']['token']}"}

    def check_every_answer(self, rule: str) -> None:
        wrong = [a for a in self.answers if not 200 <= a[2] < 300 and a[:2] != ("POST", LOGIN)]
        check(self.api, not wrong, f"every call 2xx (the first sign-in 403 aside); these were not: {wrong}", rule)


@pytest.mark.mock
def test_tx07_a_whole_admin_session(api, mock):
    """The calls the seed-day admin app makes, in its order: every one answered 2xx, none 404."""
    app = AppSession(api)
    call = app.call
    app.sign_in(asks_for_the_code=False)
    call("GET", CONFIG, params={"format": "flat", "includeTooltips": "false"})
    call("GET", MY_PERMISSIONS)
    call("GET", MY_PERMISSIONS)
    # the schedule page
    call("GET", SCHEDULE)
    call("GET", TIMEZONES)
    call("GET", "/cron-status")
    form = []
    for i, time in enumerate(["09:00:00", "15:00:00", "21:00:00"]):
        form.append({"time": time, "label": "", "index": i})
        call("GET", PREVIEW, params={"timezone": "Africa/Lagos", "slots": json.dumps(form)})
    call("PUT", SCHEDULE, json_body=THREE_SLOTS, code=True)
    call("GET", SCHEDULE)
    # the declaration page
    call("GET", "/config", params={"format": "flat", "includeTooltips": "false"})
    call("GET", QUALIFIERS)
    call("GET", STATUS)
    call("POST", QUEUE, json_body=MULTI_QUEUE, code=True)
    call("GET", STATUS)
    call("PATCH", MODIFY, json_body={"description": "Adjusted"}, code=True)
    call("DELETE", CANCEL, json_body={}, code=True)
    call("GET", STATUS)
    call("POST", "/api/v1/admin/logout", json_body={})
    rule = "BRIEF §8: the admin app must meet no error"
    app.check_every_answer(rule)
    check(api, get_schedule(api)["numberOfSlots"] == 3, "the session's schedule saved (3 slots)", rule)


UTC_SLOTS = {
    "timezone": "UTC",
    "numberOfSlots": 3,
    "schedules": [
        {"slotNumber": 1, "hour": 8, "minute": 0, "second": 0, "label": "Morning"},
        {"slotNumber": 2, "hour": 14, "minute": 0, "second": 0, "label": "Afternoon"},
        {"slotNumber": 3, "hour": 20, "minute": 0, "second": 0, "label": "Evening"},
    ],
}
NO_POOLS = {
    "multiSlotEnabled": True,
    "distributionSlots": [{"slotNumber": n, "rosPercentage": r} for n, r in ((1, 1.5), (2, 2.0), (3, 1.0))],
    "rosPercentage": 4.5,
    "description": "Today's app, no pool amounts",
}


def _todays_app_page_load(app: AppSession, root: str = "/api/v1") -> None:
    """What every page of today's app asks first (with NEXT_PUBLIC_API_URL=http://localhost:5000/api/v1/)."""
    app.call("GET", f"{root}/config", params={"format": "flat", "includeTooltips": "false"})
    app.call("GET", f"{root}/settings/public/platform_day_start_utc")
    app.call("GET", MY_PERMISSIONS)
    app.call("GET", PERMISSIONS)


@pytest.mark.mock
def test_tx07_a_whole_session_of_todays_admin_app(api, mock):
    """Today's app (BRIEF §10), page by page: sign-in asks for the code, the schedule saved in UTC, a
    day queued without pools that pays what its card shows, history, details, export, force-reset,
    cancel. Every call 2xx, but the documented 403 that makes the app show its code field."""
    rule = "BRIEF §10: today's admin app must meet no error, and the day pays what the status card shows"
    app = AppSession(api)
    call = app.call
    app.sign_in(asks_for_the_code=True)
    _todays_app_page_load(app, root="")
    # the schedule page, in UTC "platform time"
    call("GET", SCHEDULE)
    call("GET", TIMEZONES)
    call("GET", PREVIEW, params={"timezone": "UTC", "slots": json.dumps([{"time": "08:00:00", "label": ""}])})
    call("PUT", SCHEDULE, json_body=UTC_SLOTS, code=True)
    # the declaration page
    _todays_app_page_load(app)
    call("GET", QUALIFIERS)
    call("GET", STATUS)
    card = call("POST", QUEUE, json_body=NO_POOLS, code=True)["data"]["distributionTotals"]
    call("GET", STATUS)
    mock.advance(until="2026-02-12T21:00:00.000Z")  # the whole UTC day runs
    actual = call("GET", STATUS)["data"]["distributionTotals"]["actual"]
    projected = card["projected"]
    check(
        api,
        money(actual["stakeRosTotalUSDT"]) == money(projected["stakeRosFullDayUSDT"])
        and money(actual["poolPaidToQualifiersTotalUSDT"]) == money(projected["poolQualifiersEstimatedUSDT"])
        and money(projected["poolQualifiersEstimatedUSDT"]) == money(card["scheduled"]["poolBudgetTotalUSDT"]),
        f"the day paying what its card showed: ROS {projected['stakeRosFullDayUSDT']}, pools "
        f"{card['scheduled']['poolBudgetTotalUSDT']}",
        rule,
    )
    # the Distribution History tab
    records = call("GET", f"{DECLARATIONS}/history", params={"page": 1, "limit": 10})["data"]["records"]
    check(api, [r["date"] for r in records] == ["2026-02-12"], "the day in the history", rule)
    call("GET", f"{DECLARATIONS}/2026-02-12/details")
    call("GET", f"{DECLARATIONS}/history/export", params={"format": "csv"})
    # the next morning: queue, one slot runs, then Force Reset and Cancel
    mock.advance(until="2026-02-13T07:00:00.000Z")
    call("POST", QUEUE, json_body=NO_POOLS, code=True)
    mock.advance(to="next-slot")
    call("POST", f"{DECLARATIONS}/today/force-reset", json_body={}, code=True)
    call("DELETE", CANCEL, json_body={}, code=True)
    left = [s["status"] for s in call("GET", STATUS)["data"]["distributionSlots"]]
    check(api, left == ["COMPLETED"], "after the cancel only the slot that ran is left", rule)
    call("POST", "/api/v1/admin/logout", json_body={})
    app.check_every_answer(rule)
