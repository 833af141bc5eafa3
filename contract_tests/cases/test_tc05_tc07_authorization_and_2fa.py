"""TC05-TC07: roles, 2FA required before validation, where and when a 2FA code is accepted."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from ..contract import check, expect
from ..fixtures import token_has_2fa
from ..helpers import (
    ADMIN_ROUTES,
    DOUBLY_INVALID,
    MOCK_ONLY_ROUTES,
    SCHEDULE,
    THREE_SLOTS,
    TOGGLE,
    TWO_FA_ROUTES,
    VALID_BODIES,
    cron_status,
    get_schedule,
    settings_body,
    status,
)
from ..summary import skip_for

ADMIN_TOTP_SECRET = "NOVUNTMOCKADMINTOTPSECRETKEYABCD"  # BRIEF §9, the fixed admin identity


def _state(api) -> tuple:
    schedule = get_schedule(api)
    return settings_body(schedule), schedule["isEnabled"], status(api)["status"]


@pytest.mark.mock
@pytest.mark.live_read
def test_tc05_other_roles_are_forbidden_everywhere(api, admin):
    rule = "BRIEF §0: a valid token of a role other than admin/superAdmin -> 403 FORBIDDEN, nothing changes"
    token = api.non_admin_token()
    if not token:
        skip_for("--non-admin-token", "a valid token of a role that may not use these routes")
    before = _state(api)
    for method, path in ADMIN_ROUTES:
        if (method, path) in MOCK_ONLY_ROUTES and not api.is_mock:
            continue
        payload = VALID_BODIES.get((method, path)) if api.is_mock else DOUBLY_INVALID.get((method, path))
        headers = {"Authorization": f"Bearer {token}"}
        expect(api.request(method, path, headers=headers, json=payload), 403, rule, code="FORBIDDEN")
    check(api, _state(api) == before, f"the schedule and today's distribution unchanged: {before}", rule)


@pytest.mark.live_read
@pytest.mark.parametrize(("method", "path"), TWO_FA_ROUTES, ids=["PUT schedule", "PATCH toggle", "POST queue"])
def test_tc06_no_code_is_refused_before_validation(api, admin, method, path):
    rule = "BRIEF §0 order of checks: 2FA (403 2FA_CODE_REQUIRED) comes before validation (400)"
    if not token_has_2fa(admin):
        pytest.skip("the given admin has no 2FA enabled, so no code is required of it")
    headers = {"Authorization": f"Bearer {admin}"}
    expect(
        api.request(method, path, headers=headers, json=DOUBLY_INVALID[(method, path)]),
        403,
        rule,
        code="2FA_CODE_REQUIRED",
    )


@pytest.mark.mock
@pytest.mark.parametrize(("method", "path"), TWO_FA_ROUTES, ids=["PUT schedule", "PATCH toggle", "POST queue"])
def test_tc06_no_code_changes_nothing(api, mock, method, path):
    rule = "BRIEF §0: a 2FA-enabled admin with no code -> 403 2FA_CODE_REQUIRED and nothing changes"
    before = _state(api)
    exchange = api.request(method, path, headers=api.auth(), json=VALID_BODIES[(method, path)])
    expect(exchange, 403, rule, code="2FA_CODE_REQUIRED")
    check(exchange, _state(api) == before, f"nothing changed: {before}", rule)


@pytest.mark.mock
@pytest.mark.parametrize("place", ["header", "body", "query"])
def test_tc07_code_accepted_in_each_place(api, mock, place):
    rule = "BRIEF §0: the code may arrive as X-2FA-Code, as the body's twoFACode or as the query's twoFACode"
    code = api.code()
    headers = api.auth()
    payload = dict(THREE_SLOTS)
    params = None
    if place == "header":
        headers["X-2FA-Code"] = code
    elif place == "body":
        payload["twoFACode"] = code
    else:
        params = {"twoFACode": code}
    exchange = api.request("PUT", SCHEDULE, headers=headers, json=payload, params=params)
    expect(exchange, 200, rule)
    check(exchange, get_schedule(api)["numberOfSlots"] == 3, "the schedule saved (3 slots)", rule)


@pytest.mark.mock
@pytest.mark.parametrize(("steps", "accepted"), [(-3, False), (-2, True), (-1, True), (1, True), (2, True), (3, False)])
def test_tc07_window_is_two_steps_either_side(api, mock, steps, accepted):
    rule = "BRIEF §0: TOTP judged on the server's clock, accepted within two 30 s steps either side"
    code = pyotp.TOTP(ADMIN_TOTP_SECRET).at(mock.now() + timedelta(seconds=30 * steps))
    exchange = api.request("PATCH", TOGGLE, headers={**api.auth(), "X-2FA-Code": code}, json={"isEnabled": False})
    if accepted:
        expect(exchange, 200, rule)
    else:
        expect(exchange, 403, rule, code="2FA_CODE_INVALID")


@pytest.mark.mock
def test_tc07_wrong_code_refused(api, mock):
    code = api.code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    exchange = api.request("PATCH", TOGGLE, headers={**api.auth(), "X-2FA-Code": wrong}, json={"isEnabled": False})
    rule = "BRIEF §0: a wrong code -> 403 2FA_CODE_INVALID, and nothing changes"
    expect(exchange, 403, rule, code="2FA_CODE_INVALID")
    check(exchange, cron_status(api)["isEnabled"] is True, "the schedule still enabled", rule)


@pytest.mark.mock
def test_tc07_code_reused_within_its_window_by_default(api, mock):
    rule = "BRIEF §0: the real client caches a code for 85 s, so a code may be reused inside its window"
    headers = {**api.auth(), "X-2FA-Code": api.code()}
    expect(api.request("PATCH", TOGGLE, headers=headers, json={"isEnabled": False}), 200, rule)
    mock.advance(40)
    expect(api.request("PATCH", TOGGLE, headers=headers, json={"isEnabled": True}), 200, rule)
    mock.advance(40)  # 80 s after the code's step began: still inside +-2 steps
    expect(api.request("PUT", SCHEDULE, headers=headers, json=THREE_SLOTS), 200, rule)


@pytest.mark.mock
def test_tc07_admin_without_2fa_needs_no_code(api, mock):
    rule = "BRIEF §0: admins without 2FA pass the 2FA routes without a code, as deployed"
    token = api.no_2fa_admin_token()
    exchange = api.request("PUT", SCHEDULE, headers={"Authorization": f"Bearer {token}"}, json=THREE_SLOTS)
    expect(exchange, 200, rule)


@pytest.mark.live_write
def test_tc07_live_code_from_secret_accepted(api, restore_schedule):
    """A code generated from the secret is accepted in the body, as the real client sends it."""
    payload = {**settings_body(restore_schedule), "twoFACode": api.code()}
    expect(api.request("PUT", SCHEDULE, headers=api.auth(), json=payload), 200, "BRIEF §0/§3")
