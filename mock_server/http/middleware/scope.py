"""What the middlewares read from an ASGI scope: a header, who is asking, and text safe for a log line."""

from __future__ import annotations

from starlette.types import Scope


def header(scope: Scope, wanted: bytes) -> str:
    """The first ``wanted`` header (lower-case bytes, as ASGI names them), stripped; '' without one."""
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1").strip()
    return ""


def content_type(scope: Scope) -> str:
    return header(scope, b"content-type").split(";")[0].strip().lower()


def client(scope: Scope) -> str:
    """Who is asking, as a storm notice names it: the address and the page's origin (a browser opens
    several connections, so not the port)."""
    host = (scope.get("client") or ("an unknown address", 0))[0]
    origin = header(scope, b"origin")
    return f"{host} ({origin})" if origin else host


def printable(text: str) -> str:
    """``text`` with control characters (and non-ASCII) escaped: a path cannot forge a log line."""
    return text.encode("ascii", "backslashreplace").decode("ascii").replace("\n", "\\n").translate(CONTROLS)


CONTROLS = {code: f"\\x{code:02x}" for code in (*range(32), 127)}
