"""The fixture identities: tokens minted for them, their current TOTP codes and QR codes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import quote

import pyotp
from starlette.responses import Response

from ...domain.schedule import to_iso
from ...http import auth
from ...http.errors import ApiError
from ...http.services import Services, current
from ...views.authenticator import otpauth_uri, qr_png


def identity(services: Services, identifier: str) -> dict:
    user = services.store.users.by_identifier(identifier)
    if user is None:
        known = ", ".join(i["email"] for i in services.fixtures.identities)
        raise ApiError(404, "NOT_FOUND", f"No identity '{identifier}'; the fixtures have: {known}")
    return user


async def mint_token(body: dict, **_) -> tuple[dict, int]:
    services = current()
    user = identity(services, body["identifier"])
    token, expires = auth.mint_token(services, user, verified=True, expires_in=body.get("expiresIn"))
    return {"token": token, "expiresAt": to_iso(expires)}, 200


def totp_now(secret: str, now: datetime) -> dict:
    """The code an authenticator shows at ``now``, and how long it stays current."""
    totp = pyotp.TOTP(secret)
    return {"code": totp.at(now), "validForSeconds": totp.interval - int(now.timestamp()) % totp.interval}


async def current_totp(identifier: str, **_) -> tuple[dict, int]:
    services = current()
    user = identity(services, identifier)
    if not user.get("totpSecret"):
        raise ApiError(404, "NOT_FOUND", f"{user['email']} has no two-factor authentication enabled")
    return totp_now(user["totpSecret"], services.clock.now()), 200


def identity_view(user: dict, now: datetime) -> dict:
    """A fixture identity as the page shows it: its 2FA as it is now (the set-up screen may have
    turned it on), its current code, and its QR code while it has a secret."""
    entry = {"identifier": user["email"], "role": user["role"], "twoFAEnabled": bool(user.get("twoFAEnabled"))}
    if user.get("totpSecret"):
        entry.update(totp_now(user["totpSecret"], now))
    if user.get("twoFactorSetup"):
        entry["setupOpen"] = True
    secret = authenticator_secret(user)
    if secret:  # the query names the secret's version, so the page's image changes with it
        version = hashlib.sha256(secret.encode()).hexdigest()[:8]
        entry["qr"] = f"/__mock/totp/{quote(user['email'])}/qr?v={version}"
    return entry


def authenticator_secret(user: dict) -> str | None:
    """The secret an authenticator app should hold: the enabled one, else the open set-up's."""
    return user.get("totpSecret") or (user.get("twoFactorSetup") or {}).get("secret")


async def current_totp_qr(identifier: str, **_) -> Response:
    user = identity(current(), identifier)
    secret = authenticator_secret(user)
    if not secret:
        raise ApiError(404, "NOT_FOUND", f"{user['email']} has no two-factor secret: nothing to scan")
    png = qr_png(otpauth_uri(user["email"], secret))
    return Response(png, status_code=200, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
