"""The request journal: every request to the contract's routes, as the app sent it, with what the
mock answered and why (WireMock's request journal, with this contract's rules).

A bounded ring buffer (``--journal-size``, default 1,000): the oldest entries go first, so memory
stays flat however long the mock runs. Credentials never leave it: the ``Authorization``,
``X-2FA-Code``, ``Cookie`` and control-token headers, and the ``twoFACode``, ``password``, ``token``
and ``refreshToken`` fields, the 2FA set-up's secret, QR code, tokens and codes (body, query or
answer: ``SECRET_FIELDS``, and a ``code`` of digits) are shown only as ``"[redacted]"``, so a test
can still see that the app sent a code without the code itself. The server keeps a request as it
came (bodies as the bytes sent, at most ``KEPT_BYTES``; the query and headers raw) and parses,
redacts and names it when the journal is read, not on every request.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable

from . import json_input
from .middleware.scope import printable

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "x-2fa-code", "cookie", "set-cookie", "x-mock-control-token"})
SECRET_FIELDS = frozenset({
    "twoFACode", "password", "token", "refreshToken",
    # the 2FA set-up's (BRIEF section 11): the new secret, its QR code and URI, the set-up's token, codes
    "secret", "qrCode", "otpauthUrl", "verificationToken", "verificationCode", "backupCodes",
})  # fmt: skip
CODE_FIELD = "code"  # a 2FA code sent as ``{"code": "123456"}``; an error's ``code`` is a word, never digits
KEPT_BYTES = 64 * 1024  # of a body, request or answer, beyond which the journal keeps a note only


def is_secret(key: str, value) -> bool:
    """Whether a field's value is a credential (a secret field, or a ``code`` of digits)."""
    if value is None:
        return False
    return key in SECRET_FIELDS or (key == CODE_FIELD and isinstance(value, str | int) and str(value).strip().isdigit())


def carries_secret(body) -> bool:
    """Whether a JSON body holds a credential at its top level (such a body is never remembered)."""
    return isinstance(body, dict) and any(is_secret(key, value) for key, value in body.items())


def redact(value):
    """A JSON value with every secret field's value replaced (at any depth)."""
    if isinstance(value, dict):
        return {k: (REDACTED if is_secret(k, v) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request headers as the journal keeps them: every credential header as ``"[redacted]"``."""
    return {name: (REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers}


def readable_body(raw: bytes):
    """What a body was: its JSON (redacted), its text, or a note of its size."""
    if not raw:
        return None
    if len(raw) > KEPT_BYTES:
        return f"[{len(raw)} bytes, not kept]"
    text = raw.decode("utf-8", "replace")
    try:
        return redact(json_input.load(text))  # depth-bounded: a hostile body cannot hurt the journal
    except ValueError:
        return text


def problems_of(status: int, answer) -> list[str]:
    """Why the mock refused: the envelope's message and its ``errors`` lines, each said once (a 400's
    message already names its first problem)."""
    if status < 400 or not isinstance(answer, dict):
        return []
    lines = [str(answer.get("message", ""))]
    lines += [str(line) for line in answer.get("errors") or [] if str(line) not in lines[0]]
    return [line for line in lines if line]


_COMPLETE = "__complete"  # an entry's function from its raw record to its shown fields, until read


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[dict] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: dict, complete: Callable[[dict], dict] | None = None) -> None:
        """Keep ``entry``. With ``complete``, the entry is kept as recorded (raw, cheap to take on the
        request's path) and ``complete(entry)`` gives its shown fields the first time it is read."""
        with self._lock:
            entry = {"id": next(self._ids), **entry}
            if complete is not None:
                entry[_COMPLETE] = complete
            self._entries.append(entry)

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def entries(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        operation_id: str | None = None,
        status: str | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Oldest first. ``path`` matches a prefix; ``status`` is ``404`` or a class such as ``4xx``;
        ``since`` keeps entries after that id; ``limit`` keeps the latest that many."""
        with self._lock:
            for entry in self._entries:
                if _COMPLETE in entry:
                    completed = {"id": entry["id"], **entry.pop(_COMPLETE)(entry)}
                    entry.clear()
                    entry.update(completed)
            found: Iterable[dict] = list(self._entries)
        found = [
            e
            for e in found
            if (method is None or e["method"] == method.upper())
            and (path is None or e["path"].startswith(path))
            and (operation_id is None or e["operationId"] == operation_id)
            and (status is None or _status_matches(e["status"], status))
            and (since is None or e["id"] > since)
        ]
        return [dict(e) for e in (found[-limit:] if limit else found)]  # copies: the journal stays as it is


def _status_matches(status: int, wanted: str) -> bool:
    wanted = wanted.strip().lower()
    if len(wanted) == 3 and wanted.endswith("xx") and wanted[0].isdigit():
        return str(status)[0] == wanted[0]
    return wanted.isdigit() and status == int(wanted)


def one_line(entry: dict) -> str:
    """An entry as ``novunt-mock requests`` prints it: time, request, answer, latency, and the reason.
    What the client sent (the query, and the problems that quote it) is escaped as in the access log:
    a value cannot start a forged line or drive the terminal."""
    query = "&".join(f"{k}={v}" for k, v in (entry.get("query") or {}).items())
    target = printable(entry["path"] + (f"?{query}" if query else ""))
    line = f"{entry['wallTime'][11:23]} {entry['method']} {target} {entry['status']} {entry['latencyMs']:.1f}ms"
    if entry.get("operationId"):
        line += f" {entry['operationId']}"
    if entry.get("problems"):
        line += " — " + printable("; ".join(entry["problems"]))
    if entry.get("notice"):
        line += "\n    notice: " + printable(entry["notice"])
    return line
