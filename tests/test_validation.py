"""``mock_server.http.validation`` (and the 400's wording, ``http.errors.validation_message``): every
problem of a body one line naming its field, the schema's and the business rules' together; the
``message`` the admin app shows is the first problem and how many more."""

from __future__ import annotations

import pytest
from jsonschema import Draft4Validator

from mock_server.http.errors import ApiError, validation_message
from mock_server.http.validation import EMPTY_BODY, NULL_BODY, explain

from .conftest import admin_headers

SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
HISTORY = "/api/v1/admin/daily-declaration-returns/history"

SLOT = {
    "type": "object",
    "required": ["hour"],
    "properties": {"hour": {"type": "integer", "maximum": 23}, "label": {"type": "string"}},
}
BODY = {
    "type": "object",
    "required": ["timezone"],
    "properties": {"numberOfSlots": {"type": "integer"}, "schedules": {"type": "array", "items": SLOT}},
}


def lines(schema: dict, body) -> list[str]:
    return explain(Draft4Validator(schema).iter_errors(body))


def test_every_problem_is_one_line_naming_its_field():
    found = lines(BODY, {"numberOfSlots": "3", "schedules": [{"hour": 24}, {"label": 5}]})
    assert found == [
        "'timezone' is a required property",
        "numberOfSlots: '3' is not of type 'integer'",
        "schedules[0].hour: 24 is greater than the maximum of 23",
        "schedules[1]: 'hour' is a required property",
        "schedules[1].label: 5 is not of type 'string'",
    ]
    assert all("\n" not in line for line in found)


def test_one_of_is_explained_by_the_branch_the_body_was_meant_for():
    schema = {
        "oneOf": [
            {"type": "object", "required": ["kind", "seconds"], "properties": {"kind": {"enum": ["wait"]}}},
            {
                "type": "object",
                "required": ["kind", "until"],
                "properties": {"kind": {"enum": ["move"]}, "until": {"type": "string"}},
            },
        ]
    }
    assert lines(schema, {"kind": "move", "until": 5}) == ["until: 5 is not of type 'string'"]


def test_at_least_one_of_several_properties_reads_as_such():
    schema = {"type": "object", "anyOf": [{"required": ["seconds"]}, {"required": ["to"]}, {"required": ["until"]}]}
    assert lines(schema, {}) == ["one of seconds, to or until is required; none was sent"]
    nested = {"type": "object", "properties": {"move": schema}}
    assert lines(nested, {"move": {}}) == ["move: one of seconds, to or until is required; none was sent"]


def test_the_same_problem_is_said_once():
    schema = {"allOf": [{"required": ["a"]}, {"required": ["a"]}]}
    assert lines(schema, {}) == ["'a' is a required property"]


@pytest.mark.parametrize(
    ("problems", "message"),
    [
        ([], "Validation failed"),
        (["hour: 24 is too big"], "Validation failed: hour: 24 is too big"),
        (["first", "second", "third"], "Validation failed: first (and 2 more)"),
    ],
)
def test_the_message_is_the_first_problem_and_how_many_more(problems, message):
    assert validation_message(problems) == message
    error = ApiError.validation(problems)
    assert (error.status_code, error.code, error.message, error.errors) == (400, "VALIDATION_ERROR", message, problems)


def test_a_body_s_schema_problems_and_its_rules_come_in_one_400(inprocess):
    body = {"timezone": "Mars/Olympus", "numberOfSlots": 2, "schedules": [{"slotNumber": 1, "hour": 25}]}
    answer = inprocess.put(SCHEDULE, json=body, headers=admin_headers(inprocess, code=True))
    assert answer.status_code == 400
    envelope = answer.json()
    errors = envelope["errors"]
    assert len(errors) >= 3
    assert any(e.startswith("schedules[0].hour: ") for e in errors)  # the schema's
    assert any(e.startswith("timezone: 'Mars/Olympus' is not a supported timezone") for e in errors)  # x-rules
    assert envelope["message"] == f"Validation failed: {errors[0]} (and {len(errors) - 1} more)"
    assert envelope["error"] == {"code": "VALIDATION_ERROR", "message": envelope["message"]}


@pytest.mark.parametrize(("content", "problem"), [(b"", EMPTY_BODY), (b"null", NULL_BODY)])
def test_a_required_body_that_is_missing_or_null_says_which(inprocess, content, problem):
    headers = {**admin_headers(inprocess, code=True), "Content-Type": "application/json"}
    answer = inprocess.put(SCHEDULE, content=content, headers=headers)
    assert answer.status_code == 400 and answer.json()["errors"] == [problem]


def test_a_query_number_must_be_ascii_digits(inprocess):
    answer = inprocess.get(HISTORY, params={"limit": "\N{DEVANAGARI DIGIT FIVE}"}, headers=admin_headers(inprocess))
    assert answer.status_code == 400
    assert "limit" in answer.json()["message"] and "ASCII digits only" in answer.json()["message"]
    assert inprocess.get(HISTORY, params={"limit": "5"}, headers=admin_headers(inprocess)).status_code == 200
