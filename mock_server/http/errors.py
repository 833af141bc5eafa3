"""The one error envelope, and every exception -> response mapping, in one place.

Every failure of every route (ours, Connexion's validation, Starlette's routing) leaves the server
as BRIEF section 0's envelope, which carries both ``message`` and ``error.code``/``error.message``
because the real client reads both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from ..domain.modification import DayNotModifiable, InvalidModification
from .routes import Routes

log = logging.getLogger("mock_server.http.errors")

CODES_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    500: "INTERNAL_ERROR",
}


def unauthorized_message(reason: str) -> str:
    """The one wording of a 401, whichever layer refused the token."""
    reason = reason.rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    return f"Authentication required: {reason}. Sign in again, or send 'Authorization: Bearer <JWT>'"


class ApiError(Exception):
    """A failure the server answers on purpose, with a message a person can act on."""

    def __init__(
        self, status: int, code: str, message: str, errors: Iterable[str] | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status  # read by Connexion when it picks among security errors
        self.code = code
        self.message = message
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}

    @classmethod
    def validation(cls, errors: Iterable[str]) -> ApiError:
        problems = list(errors)
        return cls(400, "VALIDATION_ERROR", validation_message(problems), problems)


def validation_message(problems: list[str]) -> str:
    """A 400's ``message``: the first problem in words, and how many more (BRIEF section 11: the admin
    app shows ``message`` or ``error.message`` of an error, never ``errors``)."""
    if not problems:
        return "Validation failed"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"Validation failed: {problems[0]}{more}"


def envelope(status: int, code: str, message: str, errors: list[str] | None = None) -> dict:
    body: dict = {"success": False, "message": message, "error": {"code": code, "message": message}}
    if errors is not None or status == 400:
        body["errors"] = errors if errors is not None else [message]
    return body


def error_response(
    status: int, code: str, message: str, errors: list[str] | None = None, headers: dict | None = None
) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=json.dumps(envelope(status, code, message, errors)),
        headers=headers or {},
    )


def _problem_message(
    exc: ProblemException, request: ConnexionRequest | None = None, routes: Routes | None = None
) -> str:
    detail = str(exc.detail or exc.title or "Request failed")
    if exc.status == 401:
        return unauthorized_message(detail)
    return _name_the_parameter(detail.split("\n\nFailed validating")[0], request, routes)


def _name_the_parameter(message: str, request: ConnexionRequest | None, routes: Routes | None = None) -> str:
    """Connexion's parameter errors are jsonschema's ("'x' is not one of [...]") without the
    parameter's name: find the query or path parameter that carried the value and name it (BRIEF §0).
    The path's come from its template: Connexion's routing had not put them in this request's scope."""
    if request is None:
        return message
    if message.startswith("'"):
        value = message[1:].split("' ", 1)[0]
    elif " is " in message:  # numbers come unquoted: "0 is less than the minimum of 1"
        value = message.split(" is ", 1)[0]
    else:
        return message
    path_params = routes.path_params(request.url.path) if routes is not None else request.path_params
    given = [*request.query_params.multi_items(), *path_params.items()]
    for name, text in given:
        if text == value:
            return f"{name}: {message}"
    return message


def install(app: AsyncApp, routes: Routes) -> None:
    """Register every error handler on the app (before it starts)."""

    def api_error(_request: ConnexionRequest, exc: ApiError) -> ConnexionResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.errors, exc.headers)

    def problem(request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        status = exc.status or 500
        code = CODES_BY_STATUS.get(status, "INTERNAL_ERROR")
        message = _problem_message(exc, request, routes)
        errors = [message] if status == 400 else None
        if status >= 500:
            log.error("server error: %s", message)
        return error_response(status, code, message, errors)

    def http_error(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        status = exc.status_code
        code = CODES_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
        path = request.url.path
        if status == 404:
            message = f"Not found: no route for {request.method} {path}"
            return error_response(404, code, message)
        if status == 405:
            allowed = routes.allowed(path)
            message = f"Method {request.method} is not allowed on {path}; allowed: {', '.join(allowed)}"
            return error_response(405, code, message, headers={"Allow": ", ".join(allowed)})
        return error_response(status, code, str(exc.detail or "Request failed"))

    def undecodable(_request: ConnexionRequest, exc: UnicodeDecodeError) -> ConnexionResponse:
        return error_response(400, "INVALID_JSON", f"The request body is not valid UTF-8: {exc.reason}")

    def unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(
            500, "INTERNAL_ERROR", "Internal error in the mock server (this is a bug: please report it)"
        )

    def refused(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        """The domain's refusals, mapped to statuses here and only here."""
        if isinstance(exc, InvalidModification):
            return error_response(400, "VALIDATION_ERROR", validation_message([str(exc)]), [str(exc)])
        return error_response(409, "CONFLICT", str(exc))

    for error, handler in (
        (ApiError, api_error),
        (DayNotModifiable, refused),
        (InvalidModification, refused),
        (ProblemException, problem),
        (HTTPException, http_error),
        (UnicodeDecodeError, undecodable),
        (Exception, unexpected),
    ):
        app.add_error_handler(error, on_the_loop(handler))


def on_the_loop(handler: Callable[[ConnexionRequest, Exception], ConnexionResponse]):
    """Connexion hands a plain function's error answer to a worker thread and waits for it (a fifth of
    what a 4xx costs); these only build an envelope, so they run on the event loop, as a coroutine."""

    async def answer(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return handler(request, exc)

    return answer
