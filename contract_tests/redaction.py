"""No credential in any output: every token, TOTP secret, 2FA code and password the suite holds or
sees is masked in what pytest prints, in JUnit files and in reports.

Known values are masked wherever they appear; anything shaped like a JWT is masked even when the
suite never held it (a token in a response body); so are the secret fields of a JSON body.
"""

from __future__ import annotations

import re

MASK = "******"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
SECRET_KEYS = ("twoFACode", "password", "token", "refreshToken", "X-2FA-Code", "x-2fa-code", "totpSecret")
FIELD = re.compile(
    r"""(?P<key>["']?(?:""" + "|".join(SECRET_KEYS) + r""")["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>[^"',}\s&]+)"""
)
BEARER = re.compile(r"(Bearer\s+)[^\s'\"]+", re.IGNORECASE)
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
