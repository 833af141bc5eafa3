"""The request's ``Services`` in its scope, and the clock's due work run before it is handled."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..services import SCOPE_KEY, Services

# Control routes that move the clock or reset it run what falls due themselves, as part of the move,
# and report it; running it here first would take it from their report.
CLOCK_MOVES = ("/__mock/clock", "/__mock/reset")


class ServicesMiddleware:
    """Puts this app's ``Services`` in the scope, and runs whatever is due at the clock's instant
    before the request is handled: the one place on the request path that does, so that no handler
    reads or changes a state that is behind the clock (BRIEF §6: past-due work runs at once). What the
    request changed is written to the state file (``--state-file``) before its answer starts."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("extensions", {})[SCOPE_KEY] = {"services": self.services, "body": None}
            if scope["method"] != "OPTIONS" and not scope["path"].startswith(CLOCK_MOVES):
                self.services.runner.catch_up()

            async def send_once_saved(message: Message) -> None:
                # a client that has its answer may kill the mock at once: the change is on disk first
                if message["type"] == "http.response.start":
                    self.services.persist()
                await send(message)

            try:
                await self.app(scope, receive, send_once_saved)
            finally:
                self.services.persist()  # an answer that never started (the error handler's comes later)
            return
        await self.app(scope, receive, send)
