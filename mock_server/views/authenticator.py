"""What an authenticator app scans: a TOTP secret's ``otpauth://`` URI and its QR code (PNG).

RFC 6238 as everywhere in the mock: SHA-1, 6 digits, 30-second steps (the defaults every
authenticator app assumes, so the URI leaves them out).
"""

from __future__ import annotations

import base64
import io
import secrets
from urllib.parse import quote

import pyotp
import segno

ISSUER = "Novunt (mock)"
SECRET_LENGTH = 32  # base32 characters: 160 bits, as RFC 4226 recommends (pyotp refuses under 112)
BACKUP_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32(SECRET_LENGTH)


def new_backup_codes() -> list[str]:
    """One-time codes to write down (the admin app shows them once)."""
    return [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(BACKUP_CODES)]


def otpauth_uri(account: str, secret: str) -> str:
    return f"otpauth://totp/{quote(ISSUER)}:{quote(account)}?secret={secret}&issuer={quote(ISSUER)}"


def qr_png(uri: str) -> bytes:
    """The QR code of ``uri`` as a PNG a phone's camera reads off a screen (a quiet zone of four
    modules, eight pixels a module)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def qr_data_url(uri: str) -> str:
    """The QR code as the admin app shows it: an image URL of the PNG itself."""
    return "data:image/png;base64," + base64.b64encode(qr_png(uri)).decode("ascii")
