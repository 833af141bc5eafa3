"""The admin app's 2FA set-up screen (BetterAuth's routes, BRIEF section 11): a new secret and its
QR code, its confirmation by a code, and a code check. Served at the root and under ``/api/v1``."""

from __future__ import annotations

import secrets

from ..http.auth import check_totp
from ..http.errors import ApiError
from ..http.services import current
from ..views.authenticator import new_backup_codes, new_secret, otpauth_uri, qr_data_url
from .session import public_user


def _wrong_code(refused: ApiError) -> ApiError:
    """A wrong code on these routes is a 400 (the set-up stays open for another try)."""
    return ApiError(400, "2FA_CODE_INVALID", refused.message)


async def set_up_two_factor(token_info: dict, **_) -> tuple[dict, int]:
    services = current()
    user = token_info["user"]
    if user.get("twoFAEnabled"):
        raise ApiError(
            409, "CONFLICT", f"Two-factor authentication is already enabled for {user['email']}; nothing to set up"
        )
    secret, token = new_secret(), secrets.token_urlsafe(24)
    services.store.users.open_two_factor_setup(user["_id"], secret, token)
    uri = otpauth_uri(user["email"], secret)
    details = {"qrCode": qr_data_url(uri), "secret": secret, "otpauthUrl": uri}
    return {
        "success": True,
        "message": "Scan the QR code with an authenticator app, then confirm with the code it shows",
        "data": {"setupDetails": details, "verificationToken": token},
    }, 200


async def confirm_two_factor(body: dict, token_info: dict, **_) -> tuple[dict, int]:
    services = current()
    user = token_info["user"]
    setup = user.get("twoFactorSetup")
    if not setup or not secrets.compare_digest(setup["token"].encode(), body["verificationToken"].encode()):
        raise ApiError.validation(
            ["verificationToken: names no open 2FA set-up of this account; start one with POST .../mfa/setup"]
        )
    try:
        check_totp(services, {"totpSecret": setup["secret"]}, body["verificationCode"].strip())
    except ApiError as refused:
        raise _wrong_code(refused) from None
    updated = services.store.users.enable_two_factor(user["_id"], setup["token"])
    if updated is None:  # confirmed meanwhile by another request, or replaced by a new set-up
        raise ApiError.validation(["verificationToken: this 2FA set-up was closed meanwhile; start a new one"])
    return {
        "success": True,
        "message": "Two-factor authentication enabled: sign-in and 2FA routes now need a code",
        "data": {"user": public_user(updated), "backupCodes": new_backup_codes()},
    }, 200


async def check_two_factor_code(body: dict, token_info: dict, **_) -> tuple[dict, int]:
    services = current()
    user = token_info["user"]
    if not user.get("twoFAEnabled"):
        raise ApiError(
            403,
            "2FA_SETUP_INCOMPLETE",
            f"Two-factor authentication is not set up for {user['email']}: POST .../better-auth/mfa/setup first",
        )
    try:
        check_totp(services, user, body["code"].strip())
    except ApiError as refused:
        raise _wrong_code(refused) from None
    return {"success": True, "message": "The two-factor code is valid"}, 200


# The same under the admin app's `/api/v1/` base URL (BRIEF section 11).
set_up_two_factor_under_api_prefix = set_up_two_factor
confirm_two_factor_under_api_prefix = confirm_two_factor
check_two_factor_code_under_api_prefix = check_two_factor_code
