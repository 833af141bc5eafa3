"""``mock_server.http.auth``: tokens (minted, verified on the simulated clock), roles, two-factor codes
(the window either side of now, a code spent once in strict mode)."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pyotp
import pytest

from mock_server.http import auth
from mock_server.http.errors import ApiError

from .conftest import make_app

ADMIN = "admin@novunt.test"  # the fixture admin with 2FA on
OPS = "ops@novunt.test"  # a superAdmin without 2FA


def services_of(**options):
    return make_app(**options).services


def user(services, identifier: str = ADMIN) -> dict:
    found = services.store.users.by_identifier(identifier)
    assert found is not None, identifier
    return dict(found)


def refused(call, *args) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call(*args)
    return caught.value


def test_a_minted_token_names_its_user_and_expires_after_the_ttl():
    services = services_of()
    admin = user(services)
    token, expires = auth.mint_token(services, admin, verified=True)
    assert expires == services.clock.now() + timedelta(seconds=services.settings.token_ttl_seconds)
    payload = jwt.decode(token, services.settings.jwt_secret, algorithms=["HS256"], options={"verify_exp": False})
    assert payload["id"] == admin["_id"] and payload["email"] == ADMIN and payload["role"] == "admin"
    assert payload["twoFAEnabled"] is True and payload["is2FAVerified"] is True
    assert payload["exp"] == int(expires.timestamp())
    assert auth.authenticate(services, token)["_id"] == admin["_id"]


def test_expiry_is_judged_on_the_simulated_clock():
    services = services_of()
    token, expires = auth.mint_token(services, user(services), verified=True, expires_in=60)
    services.clock.set(expires - timedelta(seconds=1))
    assert auth.authenticate(services, token)["email"] == ADMIN
    services.clock.set(expires)
    error = refused(auth.authenticate, services, token)
    assert (error.status_code, error.code) == (401, "UNAUTHORIZED") and "expired" in error.message


OTHER_SECRET = "another secret, as long as the mock's own"


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda token: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "signature"),
        (lambda token: "not-a-jwt", "malformed"),
        (lambda token: jwt.encode({"id": "nobody", "exp": 2**33}, OTHER_SECRET), "signature"),
    ],
    ids=["tampered", "malformed", "another-secret"],
)
def test_a_token_the_mock_did_not_sign_is_401_saying_why(forge, reason):
    services = services_of()
    token, _ = auth.mint_token(services, user(services), verified=True)
    error = refused(auth.authenticate, services, forge(token))
    assert error.status_code == 401 and reason in error.message
    assert error.message.startswith("Authentication required: ")


def test_a_well_signed_token_of_no_account_or_too_long_a_life_is_401():
    services = services_of()
    secret, now = services.settings.jwt_secret, int(services.clock.now().timestamp())
    nobody = jwt.encode({"id": "000000000000000000000000", "exp": now + 60}, secret, algorithm="HS256")
    assert "no known account" in refused(auth.authenticate, services, nobody).message
    admin = user(services)
    forever = jwt.encode({"id": admin["_id"], "exp": now + 400 * 86400}, secret, algorithm="HS256")
    assert "more than a year" in refused(auth.authenticate, services, forever).message


def test_a_role_outside_the_route_s_roles_is_403_naming_both():
    services = services_of()
    ops = user(services, OPS)
    auth.authorize(ops, frozenset({"superAdmin", "admin"}))
    error = refused(auth.authorize, user(services, "support@novunt.test"), frozenset({"superAdmin", "admin"}))
    assert (error.status_code, error.code) == (403, "FORBIDDEN")
    assert "support_agent" in error.message and "admin or superAdmin" in error.message


def test_the_code_comes_from_the_header_then_the_body_then_the_query():
    assert auth.presented_code({"x-2fa-code": " 123456 "}, {"twoFACode": "1"}, {"twoFACode": "2"}) == "123456"
    assert auth.presented_code({}, {"twoFACode": 654321}, {"twoFACode": "2"}) == "654321"
    assert auth.presented_code({"x-2fa-code": ""}, ["not", "a", "dict"], {"twoFACode": "777777"}) == "777777"
    assert auth.presented_code({"x-2fa-code": "  "}, {"twoFACode": None}, {}) is None


def test_a_user_with_2fa_must_send_a_code_one_without_need_not_unless_required():
    services = services_of()
    error = refused(auth.require_two_factor, services, user(services), None)
    assert (error.status_code, error.code) == (403, "2FA_CODE_REQUIRED")
    assert auth.require_two_factor(services, user(services, OPS), None) is None
    strict = services_of(require_2fa=True)
    assert refused(auth.require_two_factor, strict, user(strict, OPS), None).code == "2FA_MANDATORY"


@pytest.mark.parametrize(("steps_off", "accepted"), [(-2, True), (-1, True), (0, True), (2, True), (3, False)])
def test_a_code_is_good_within_two_steps_of_the_simulated_clock(steps_off, accepted):
    services = services_of(strict_2fa=True)  # strict: the wall clock's code is not accepted besides
    admin = user(services)
    totp = pyotp.TOTP(admin["totpSecret"])
    code = totp.at(services.clock.now() + timedelta(seconds=steps_off * totp.interval))
    if accepted:
        assert auth.check_totp(services, admin, code) == totp.timecode(services.clock.now()) + steps_off
    else:
        assert refused(auth.check_totp, services, admin, code).code == "2FA_CODE_INVALID"


def test_a_wrong_code_is_403_invalid():
    services = services_of(strict_2fa=True)
    admin = user(services)
    wrong = f"{(int(pyotp.TOTP(admin['totpSecret']).at(services.clock.now())) + 1) % 10**6:06d}"
    error = refused(auth.check_totp, services, admin, wrong)
    assert (error.status_code, error.code) == (403, "2FA_CODE_INVALID")


def test_in_strict_mode_a_code_is_spent_once_otherwise_it_may_be_sent_again():
    strict = services_of(strict_2fa=True)
    admin = user(strict)
    step = auth.check_totp(strict, admin, pyotp.TOTP(admin["totpSecret"]).at(strict.clock.now()))
    auth.spend_code(strict, admin["_id"], step)
    error = refused(auth.spend_code, strict, admin["_id"], step)
    assert error.code == "2FA_CODE_INVALID" and "already used" in error.message
    relaxed = services_of()
    for _ in range(2):
        auth.spend_code(relaxed, user(relaxed)["_id"], step)
