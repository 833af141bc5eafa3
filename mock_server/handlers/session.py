"""Sign-in and sign-out (BRIEF section 0)."""

from __future__ import annotations

from ..http.auth import check_totp, mint_token, spend_code
from ..http.errors import ApiError
from ..http.services import current


def public_user(user: dict) -> dict:
    """An account as sign-in and the 2FA set-up show it."""
    return {
        "_id": user["_id"],
        "email": user["email"],
        "username": user["username"],
        "role": user["role"],
        "twoFAEnabled": bool(user.get("twoFAEnabled")),
        "isActive": True,
        "emailVerified": True,
    }


async def login(body: dict, **_) -> tuple[dict, int]:
    services = current()
    user = services.store.users.by_identifier(body["identifier"])
    if user is None or user.get("password") != body["password"]:
        raise ApiError(401, "UNAUTHORIZED", "Invalid credentials: check the email or username and the password")
    code = str(body.get("twoFACode") or "").strip()
    verified = False
    if user.get("twoFAEnabled"):
        if not code:  # the current admin app then shows its code field (BRIEF §10)
            raise ApiError(403, "2FA_CODE_REQUIRED", "Two-factor authentication code required: send twoFACode")
        try:
            spend_code(services, user["_id"], check_totp(services, user, code))
        except ApiError as refused:
            raise ApiError(401, "UNAUTHORIZED", refused.message) from None
        verified = True
    token, _ = mint_token(services, user, verified=verified)
    return {"success": True, "message": "Login successful", "data": {"user": public_user(user), "token": token}}, 200


async def logout(**_) -> tuple[dict, int]:
    return {"success": True, "message": "Logged out successfully"}, 200
