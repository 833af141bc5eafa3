"""``mock_server.http.middleware``: the body read once (413 beyond the limit, 400 for JSON that does not
parse, the bytes replayed), CORS's ``Vary``, one printable access-log line per request, the
journal of the contract's routes, and a change on disk (``--state-file``) before its answer leaves."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from contract_tests.in_process import in_process
from mock_server.http.errors import ApiError
from mock_server.http.middleware.body import BodyMiddleware
from mock_server.http.middleware.scope import printable
from mock_server.http.services import SCOPE_KEY

from .conftest import make_app

QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"


def test_a_body_declared_larger_than_the_limit_is_413_in_the_envelope():
    mock = in_process(make_app(max_body=100))
    answer = mock.post(QUEUE, content=b"{" + b" " * 200 + b"}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    body = answer.json()
    assert body["success"] is False and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "larger than 100 bytes" in body["message"] and body["message"] == body["error"]["message"]


def body_scope(headers: list[tuple[bytes, bytes]] = ()) -> dict:
    return {"type": "http", "headers": list(headers), "extensions": {SCOPE_KEY: {"body": None}}}


def chunks(*parts: bytes):
    """An ASGI ``receive`` that sends ``parts`` one message each, and counts what was asked of it."""
    asked = []

    async def receive() -> dict:
        asked.append(len(asked))
        more = len(asked) < len(parts)
        return {"type": "http.request", "body": parts[len(asked) - 1], "more_body": more}

    return receive, asked


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit():
    async def never(scope, receive, send):  # pragma: no cover - the body is refused before
        raise AssertionError("the app was called")

    receive, asked = chunks(b"x" * 6, b"x" * 6, b"x" * 6, b"x" * 6)
    with pytest.raises(ApiError) as refused:
        asyncio.run(BodyMiddleware(never, max_body=10)(body_scope(), receive, None))
    assert refused.value.status_code == 413 and len(asked) == 2  # never buffers more than it must


def test_a_body_is_parsed_once_and_replayed_unchanged_for_the_app():
    seen = {}

    async def app(scope, receive, send):
        seen["message"] = await receive()
        seen["state"] = scope["extensions"][SCOPE_KEY]

    receive, _ = chunks(b'{"a": ', b"[1, 2]}")
    scope = body_scope([(b"content-type", b"application/json; charset=utf-8")])
    asyncio.run(BodyMiddleware(app, max_body=1000)(scope, receive, None))
    assert seen["message"] == {"type": "http.request", "body": b'{"a": [1, 2]}', "more_body": False}
    assert seen["state"]["body"] == {"a": [1, 2]} and seen["state"]["raw_body"] == b'{"a": [1, 2]}'


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"rosPercentage": 1.5,', "The request body is not valid JSON: "),
        (b'{"rosPercentage": NaN}', "NaN is not a JSON number"),
        (b"[" * 100 + b"]" * 100, "nested deeper than 64 levels"),
    ],
    ids=["truncated", "nan", "deep"],
)
def test_json_that_does_not_parse_is_400_before_any_route_is_asked(content, says):
    answer = in_process(make_app()).post(QUEUE, content=content, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400  # before authentication: no token was sent
    body = answer.json()
    assert body["error"]["code"] == "INVALID_JSON" and says in body["message"] and body["errors"] == [body["message"]]


def test_printable_escapes_what_could_forge_a_log_line():
    assert printable("/cron-status\nGET /admin 200") == "/cron-status\\nGET /admin 200"
    assert printable("/a\x1b[31mred\x7f\r") == "/a\\x1b[31mred\\x7f\\x0d"
    assert printable("/caf\u00e9") == "/caf\\xe9"
    assert printable("/plain/path?x=1") == "/plain/path?x=1"


def test_the_access_log_has_one_printable_line_per_request(caplog):
    mock = in_process(make_app(log_requests=True))
    with caplog.at_level(logging.INFO, logger="mock_server.access"):
        mock.get("/cron-status%0AGET%20/forged%20200")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "mock_server.access"]
    assert line.startswith("GET /cron-status\\nGET /forged 200 404 ") and line.endswith("ms")
    assert "\n" not in line


def test_cors_varies_on_origin_and_answers_the_app_s_origin_with_credentials():
    mock = in_process(make_app())
    plain = mock.get("/cron-status")
    assert "origin" in plain.headers["vary"].lower() and "access-control-allow-origin" not in plain.headers
    app = mock.get("/cron-status", headers={"Origin": "http://localhost:3000"})
    assert app.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert app.headers["access-control-allow-credentials"] == "true"


def test_the_journal_records_the_contract_s_routes_only():
    mock = in_process(make_app())
    mock.get("/cron-status", params={"twoFACode": "123456"})
    mock.get("/__mock/clock")
    mock.get("/favicon.ico")
    requests = mock.get("/__mock/requests").json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [("GET", "/cron-status", 200)]
    assert requests[0]["operationId"] and "123456" not in str(requests[0]["query"])  # a code is redacted


def test_a_change_is_in_the_state_file_before_its_answer_leaves(tmp_path):
    """A client that has its answer may kill the mock at once (``kill -9``) and restart it: the change
    it was answered for is already on disk when the answer starts."""
    state = tmp_path / "state.json"
    app = make_app(state_file=state)
    on_disk_when_answered = []

    async def watching(scope, receive, send):
        async def answer(message: dict) -> None:
            if message["type"] == "http.response.start":
                on_disk_when_answered.append(json.loads(state.read_text())["clock"] if state.exists() else None)
            await send(message)

        await app(scope, receive, answer)

    mock = in_process(watching)
    assert mock.post("/__mock/clock/advance", json={"seconds": 3600}).status_code == 200
    saved = json.loads(state.read_text())["clock"]
    assert on_disk_when_answered == [saved], "the answer left before the change was written"
