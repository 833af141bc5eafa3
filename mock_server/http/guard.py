"""Who may reach this server, and its control API: the checks made before anything else.

The mock runs on a developer's laptop beside a browser open on arbitrary sites, so:

- the ``Host`` header must name this server (localhost, 127.0.0.1, [::1], ``--host`` or an
  ``--allowed-host``): a DNS-rebinding page gets 400 on every route;
- ``/__mock/`` answers only the developer's own pages and tools: a request whose ``Origin`` is
  another site's, or whose ``Sec-Fetch-Site`` says cross-site, gets 403; a mutation needs
  ``Content-Type: application/json`` (415 otherwise: no HTML form or ``no-cors`` fetch can send it
  across sites without a preflight); with ``--control-token`` every control call must carry it in
  ``X-Mock-Control-Token`` (403); with ``--no-control`` the control API is not served (404).

No redirect names a host (``relative_redirects``). History exports (``/__mock/exports/...``) are
links a browser opens: their random name is the key, so they are exempt from the origin, token and
no-control checks.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..settings import Settings
from .errors import ApiError
from .routes import Routes

CONTROL = "/__mock"
EXPORTS = "/__mock/exports/"
TOKEN_HEADER = "x-mock-control-token"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# The page and the API's own docs hold no secret: a browser opens them without the control token
# (the page then asks for it once, and sends it with every call).
OPEN_PAGES = frozenset({CONTROL, f"{CONTROL}/", f"{CONTROL}/ui", f"{CONTROL}/ui/", f"{CONTROL}/openapi.json"})


def host_name(host: str) -> str:
    """``localhost:5000`` -> ``localhost``; ``[::1]:5000`` -> ``::1``."""
    return (urlsplit(f"//{host}").hostname or "").lower()


def allowed_hosts(settings: Settings) -> frozenset[str]:
    return frozenset({*LOOPBACK, settings.host.lower(), *(h.lower() for h in settings.allowed_hosts)})


def relative_redirects(send: Send) -> Send:
    """Redirects (``/cron-status/`` -> ``/cron-status``, ``/ui`` -> ``/ui/``) point at a path, never
    at a host taken from the request's ``Host`` header."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
            message["headers"] = [
                (name, _path_only(value) if name.lower() == b"location" else value)
                for name, value in message.get("headers", [])
            ]
        await send(message)

    return sending


def _path_only(location: bytes) -> bytes:
    parts = urlsplit(location.decode("latin-1"))
    return (parts.path or "/").encode("latin-1") + (b"?" + parts.query.encode("latin-1") if parts.query else b"")


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", [])}


def _host(scope: Scope) -> str | None:
    """The ``Host`` header (the last one, as ``_headers`` would keep it)."""
    found = None
    for name, value in scope.get("headers", []):
        if name == b"host":
            found = value
    return None if found is None else found.decode("latin-1")


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, routes: Routes) -> None:
        self.app = app
        self.settings = settings
        self.routes = routes
        self.hosts = allowed_hosts(settings)
        self.origins = frozenset(settings.origins)
        self._last_allowed: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if (path == CONTROL or path.startswith(CONTROL + "/")) and not (
                path.startswith(EXPORTS) and scope["method"] in SAFE_METHODS
            ):
                headers = _headers(scope)
                self.check_host(headers.get("host"))
                self.check_control(scope["method"], path, headers)
            else:
                self.check_host(_host(scope))
            await self.app(scope, receive, relative_redirects(send))
            return
        await self.app(scope, receive, send)

    def check_host(self, host: str | None) -> None:
        if host is not None and host != self._last_allowed and host_name(host) not in self.hosts:
            raise ApiError(
                400,
                "VALIDATION_ERROR",
                f"Host {host_name(host) or host!r} is not this server: use localhost, or start the mock with "
                "--allowed-host NAME",
            )
        self._last_allowed = host  # the next request from the same client is let through at once

    def check_control(self, method: str, path: str, headers: dict[str, str]) -> None:
        if self.settings.no_control:
            raise ApiError(404, "NOT_FOUND", "The control API is off (--no-control)")
        origin = headers.get("origin")
        own = f"http://{headers.get('host', '')}"
        if origin is not None and origin not in self.origins and origin != own:
            raise ApiError(403, "FORBIDDEN", f"The control API answers only this server's pages, not {origin}")
        if headers.get("sec-fetch-site") == "cross-site":
            raise ApiError(403, "FORBIDDEN", "The control API answers only this server's pages, not another site's")
        token = self.settings.control_token
        if (
            token
            and not (method in SAFE_METHODS and path in OPEN_PAGES)
            and not hmac.compare_digest(headers.get(TOKEN_HEADER, "").encode(), token.encode())
        ):
            raise ApiError(403, "FORBIDDEN", "The control API needs the control token: send X-Mock-Control-Token")
        if method not in SAFE_METHODS and self.routes.operation_id(method, path):  # else 404/405 as usual
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                raise ApiError(
                    415,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "Control API changes need Content-Type: application/json (send {} when there is nothing to say)",
                )
