"""TX14, TX19, TX20: signing in on a live backend (with ``--admin-identifier``/``--admin-password``),
the admin app's 2FA set-up screen (BRIEF section 11), and signing out with ``{}``."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import timedelta

import pyotp
import pytest

from ..contract import check, expect, fail
from ..helpers import LOGIN, LOGOUT, SCHEDULE, THREE_SLOTS, TOGGLE
from ..summary import skip_for
from ..target import NO_2FA_ADMIN

CLAIMS = ("id", "email", "role", "twoFAEnabled", "is2FAVerified", "iat", "exp")  # BRIEF §0
JWT_RULE = (
    "BRIEF §0: tokens are three-part JWTs whose payload holds id, email, role, twoFAEnabled, is2FAVerified, iat, exp"
)
WRONG_PASSWORD = "not-the-password-of-this-admin"  # not a credential: a password no admin has
OPS_PASSWORD = "Ops123!"  # BRIEF §9, the fixed superAdmin without 2FA
PNG = b"\x89PNG\r\n\x1a\n"
BASE32 = re.compile(r"^[A-Z2-7]{16,}=*$")


def claims_of(token: object) -> dict | None:
    """The payload of a three-part JWT, decoded as the admin app decodes it (base64url, no signature
    check); None when it is not one."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return payload if isinstance(payload, dict) else None


def check_token(exchange, token: object) -> dict:
    claims = claims_of(token)
    if claims is None:
        fail(exchange, "a token that is a three-part JWT (header.payload.signature, base64url)", JWT_RULE)
    missing = [name for name in CLAIMS if name not in claims]
    if missing:
        fail(exchange, f"a token whose payload holds {', '.join(CLAIMS)} (missing: {', '.join(missing)})", JWT_RULE)
    return claims


def issued_token(found) -> object:
    data = found.get("data") if isinstance(found, dict) else None
    return (data or {}).get("token") if isinstance(data, dict) else None


def sign_in_body(identifier: str, password: str, code: str | None = None) -> dict:
    return {"identifier": identifier, "password": password, **({"twoFACode": code} if code else {})}


# -- TX14 sign-in on a live backend ------------------------------------------------------------------
@pytest.mark.live_read
def test_tx14_a_wrong_password_is_refused(api, sign_in):
    rule = "BRIEF §0/§10: a wrong password is 401 UNAUTHORIZED and no token, before any code is asked for"
    exchange = api.request("POST", LOGIN, json=sign_in_body(sign_in[0], WRONG_PASSWORD))
    found = expect(exchange, 401, rule, code="UNAUTHORIZED")
    check(exchange, issued_token(found) is None, "no token", rule)


@pytest.mark.live_read
def test_tx14_a_2fa_admin_is_asked_for_the_code(api, sign_in):
    rule = "BRIEF §10: a 2FA admin signing in without twoFACode gets 403 2FA_CODE_REQUIRED and no token"
    exchange = api.request("POST", LOGIN, json=sign_in_body(*sign_in))
    if exchange.status == 200:
        found = expect(exchange, 200, rule)
        claims = check_token(exchange, issued_token(found))
        if found["data"]["user"]["twoFAEnabled"] or claims["twoFAEnabled"]:
            fail(exchange, "403 2FA_CODE_REQUIRED and no token: this admin has 2FA, and sent no code", rule)
        pytest.skip("the account has no 2FA: it signs in without a code (its token checked: a JWT with the claims)")
    found = expect(exchange, 403, rule, code="2FA_CODE_REQUIRED")
    check(exchange, issued_token(found) is None, "no token without the code", rule)


@pytest.mark.live_read
def test_tx14_the_code_signs_in(api, sign_in):
    rule = "BRIEF §0: the sign-in with the code answers the user and a token carrying is2FAVerified"
    if not api.can_sign_2fa():
        skip_for("--totp-secret", "the admin's TOTP secret, to sign in with a code (env CONTRACT_TOTP_SECRET)")
    exchange = api.request("POST", LOGIN, json=sign_in_body(*sign_in, api.code()))
    found = expect(exchange, 200, rule)
    claims = check_token(exchange, issued_token(found))
    if claims["twoFAEnabled"]:
        check(exchange, claims["is2FAVerified"] is True, "is2FAVerified true, the code having been given", rule)


# -- TX19 the 2FA set-up screen (mock: it turns 2FA on for an account) --------------------------------
def _window(secret: str, now) -> set[str]:
    totp = pyotp.TOTP(secret)
    return {totp.at(now + timedelta(seconds=30 * step)) for step in range(-2, 3)}


def _wrong(window: set[str]) -> str:
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in window)


def _check_set_up(exchange, data: dict, rule: str) -> str:
    """The set-up's QR code (a PNG data URL), its base32 secret and verification token; the secret."""
    details = data["setupDetails"]
    qr, prefix = details["qrCode"], "data:image/png;base64,"
    try:
        image = base64.b64decode(qr.removeprefix(prefix), validate=True) if qr.startswith(prefix) else b""
    except binascii.Error:
        image = b""
    check(exchange, image.startswith(PNG), "setupDetails.qrCode a data:image/png;base64, URL of a PNG", rule)
    secret = details["secret"]
    check(exchange, BASE32.match(secret), "setupDetails.secret a base32 TOTP secret of 16 characters or more", rule)
    check(
        exchange, isinstance(data["verificationToken"], str) and data["verificationToken"], "a verificationToken", rule
    )
    return secret


@pytest.mark.mock
@pytest.mark.parametrize("root", ["", "/api/v1"], ids=["root", "api-v1"])
def test_tx19_the_set_up_turns_2fa_on(api, mock, root):
    rule = "BRIEF §11: mfa/setup, then mfa/verify with the right code turns 2FA on for that admin"
    api.secrets.remember(OPS_PASSWORD)
    ops = {"Authorization": f"Bearer {mock.token(NO_2FA_ADMIN)}"}
    auth = f"{root}/better-auth"
    early = api.request("POST", f"{auth}/verify-2fa", headers=ops, json={"code": "000000"})
    expect(early, 403, "contract: verify-2fa for an admin without 2FA", code="2FA_SETUP_INCOMPLETE")
    exchange = api.request("POST", f"{auth}/mfa/setup", headers=ops, json={})
    data = expect(exchange, 200, rule)["data"]
    secret = _check_set_up(exchange, data, rule)
    window = _window(secret, mock.now())  # judged on the mock's simulated clock
    api.secrets.remember(*window)
    code = pyotp.TOTP(secret).at(mock.now())
    confirm = {"verificationToken": data["verificationToken"], "verificationCode": _wrong(window)}
    refused = api.request("POST", f"{auth}/mfa/verify", headers=ops, json=confirm)
    expect(refused, 400, "BRIEF §11: a wrong code is 400 2FA_CODE_INVALID", code="2FA_CODE_INVALID")
    exchange = api.request("POST", f"{auth}/mfa/verify", headers=ops, json={**confirm, "verificationCode": code})
    done = expect(exchange, 200, rule)["data"]
    check(exchange, done["user"]["twoFAEnabled"] is True and done["backupCodes"], "2FA on, with backup codes", rule)
    again = api.request("POST", f"{auth}/mfa/setup", headers=ops, json={})
    expect(again, 409, "contract: mfa/setup for an admin whose 2FA is on is 409", code="CONFLICT")
    _check_2fa_is_on(api, ops, auth, secret, rule)
    mock.reset()
    plain = api.request("POST", LOGIN, json=sign_in_body(NO_2FA_ADMIN, OPS_PASSWORD))
    expect(plain, 200, "BRIEF §11: a reset restores the fixtures (the admin without 2FA)")


def _check_2fa_is_on(api, ops: dict, auth: str, secret: str, rule: str) -> None:
    """After the set-up: the admin's 2FA routes and its sign-in need codes of the new secret."""
    code = pyotp.TOTP(secret).at(api.control.now())
    wanted = "BRIEF §11: its writes then need codes"
    toggle = api.request("PATCH", TOGGLE, headers=ops, json={"isEnabled": False})
    expect(toggle, 403, wanted, code="2FA_CODE_REQUIRED")
    put = api.request("PUT", SCHEDULE, headers=ops, json=THREE_SLOTS)
    expect(put, 403, wanted, code="2FA_CODE_REQUIRED")
    expect(api.request("PUT", SCHEDULE, headers={**ops, "X-2FA-Code": code}, json=THREE_SLOTS), 200, wanted)
    without = api.request("POST", LOGIN, json=sign_in_body(NO_2FA_ADMIN, OPS_PASSWORD))
    found = expect(without, 403, "BRIEF §11: its next sign-in then needs a code", code="2FA_CODE_REQUIRED")
    check(without, issued_token(found) is None, "no token without the code", rule)
    signed = api.request("POST", LOGIN, json=sign_in_body(NO_2FA_ADMIN, OPS_PASSWORD, code))
    claims = check_token(signed, issued_token(expect(signed, 200, rule)))
    check(signed, claims["twoFAEnabled"] is True, "a token with twoFAEnabled true", rule)
    right = api.request("POST", f"{auth}/verify-2fa", headers=ops, json={"code": code})
    expect(right, 200, "BRIEF §11: verify-2fa with the right code")
    wrong = api.request(
        "POST", f"{auth}/verify-2fa", headers=ops, json={"code": _wrong(_window(secret, api.control.now()))}
    )
    expect(wrong, 400, "BRIEF §11: verify-2fa with a wrong code", code="2FA_CODE_INVALID")


# -- TX20 sign-out --------------------------------------------------------------------------------
def _session_token(api, admin: str) -> str:
    """A session of its own to end, when the suite can sign in (so that a backend that revokes a token
    on sign-out keeps the run's token); else the run's admin token."""
    credentials = api.sign_in_credentials()
    if api.is_mock or not credentials:
        return api.admin_token() if api.is_mock else admin
    exchange = api.request("POST", LOGIN, json=sign_in_body(*credentials, api.code()))
    token = issued_token(exchange.body) if exchange.status == 200 else None
    return token if isinstance(token, str) else admin


@pytest.mark.live_read
def test_tx20_sign_out_with_an_empty_object(api, admin):
    rule = "BRIEF §11: the admin app signs out with {} as the body; it is accepted"
    token = _session_token(api, admin)
    exchange = api.request("POST", LOGOUT, headers={"Authorization": f"Bearer {token}"}, json={})
    expect(exchange, 200, rule)
    if api.is_mock:
        bare = api.request("POST", LOGOUT, headers={"Authorization": f"Bearer {api.admin_token()}"})
        expect(bare, 200, "contract: logout with no body is fine too")
