"""No credential in any output: every token, TOTP secret, 2FA code, backup code and password the
suite holds or sees is masked in what pytest prints, in JUnit files and in reports.

Known values are masked wherever they appear: those the run was given (tokens, the TOTP secret, the
admin's password) and those a backend answered (a sign-in's token, a 2FA set-up's secret, QR code and
backup codes: ``remember_answer``, for every answer the suite reads). Anything shaped like a JWT is
masked even when the suite never held it; so are the secret fields of a JSON body.
"""

from __future__ import annotations

import json
import re

MASK = "******"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
SECRET_KEYS = (
    "twoFACode", "password", "token", "refreshToken", "X-2FA-Code", "x-2fa-code", "totpSecret", "secret",
    "verificationToken", "verificationCode", "otpauthUrl", "qrCode",
)  # fmt: skip
# A key of a JSON body or a repr (quoted), of a query or form (``twoFACode=``), or the code's header: not
# the word in prose (``no token: this admin``) nor the end of a longer name (``--token: an admin token``).
_KEYS = "|".join(SECRET_KEYS)
FIELD = re.compile(
    rf"""(?<![\w-])(?P<key>(?:["'](?:{_KEYS})["']\s*[:=]|(?:{_KEYS})=|(?i:x-2fa-code)\s*:)\s*)"""
    r"""(?P<quote>["']?)(?P<value>[^"',}\s&]+)"""
)
BEARER = re.compile(r"(Bearer\s+)[^\s'\"]{8,}", re.IGNORECASE)  # a credential, not "bearer token"
# The fields of an answer whose values are credentials (a list's items each are: backup codes).
ANSWER_KEYS = frozenset(
    {"token", "refreshToken", "secret", "totpSecret", "qrCode", "otpauthUrl", "verificationToken", "backupCodes",
     "twoFACode", "password"}
)  # fmt: skip
# A run of token-ish characters: a piece of a long secret may show alone where a repr was cut short.
RUN = re.compile(r"[A-Za-z0-9_\-+/=]+(?:\.[A-Za-z0-9_\-+/=]+)*")


class Secrets:
    """The credentials of one run."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def remember(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= 4:
                self._values.add(value)

    def holds_any(self) -> bool:
        """Whether any credential is known (given to the run, or seen in an answer)."""
        return bool(self._values)

    def remember_answer(self, text: str) -> None:
        """Remember the credentials a JSON answer carries (``ANSWER_KEYS``, at any depth)."""
        if not text or not any(f'"{key}"' in text for key in ANSWER_KEYS):
            return
        try:
            self._collect(json.loads(text))
        except ValueError:
            return

    def _collect(self, node) -> None:
        if isinstance(node, list):
            for item in node:
                self._collect(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ANSWER_KEYS:
                    self.remember(*_strings(value))
                else:
                    self._collect(value)

    def scrub(self, text: str) -> str:
        if not text:
            return text
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, MASK)
        long = [value for value in self._values if len(value) >= 16]
        if long:
            text = RUN.sub(lambda m: MASK if _piece_of(m.group(0), long) else m.group(0), text)
        text = JWT.sub(MASK, text)
        text = BEARER.sub(lambda m: m.group(1) + MASK, text)
        return FIELD.sub(lambda m: m.group("key") + m.group("quote") + MASK, text)


def _piece_of(run: str, secrets: list[str]) -> bool:
    return len(run) >= 10 and any(run in secret for secret in secrets)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []
