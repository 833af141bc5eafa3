"""The contract document itself: valid, the seven operations with their security, and every field
the brief (shared/contract/BRIEF.md) names, with its type."""

from __future__ import annotations

import copy

import pytest
from connexion.json_schema import resolve_refs
from openapi_spec_validator import validate

from mock_server.resources import CONTRACT, CONTROL
from mock_server.state.fixtures import read_yaml

pytestmark = pytest.mark.xdist_group("contract_document")  # its tests share one module fixture: one worker

SEVEN = {
    ("get", "/api/v1/admin/cron-settings/timezones"): "listTimezones",
    ("get", "/api/v1/admin/cron-settings/distribution-schedule"): "getDistributionSchedule",
    ("put", "/api/v1/admin/cron-settings/distribution-schedule"): "updateDistributionSchedule",
    ("patch", "/api/v1/admin/cron-settings/distribution-schedule/toggle"): "toggleDistributionSchedule",
    ("get", "/cron-status"): "getCronStatus",
    ("post", "/api/v1/admin/daily-declaration-returns/today/queue"): "queueTodayDistribution",
    ("get", "/api/v1/admin/daily-declaration-returns/today/status"): "getTodayDistributionStatus",
}
TWO_FA = {"updateDistributionSchedule", "toggleDistributionSchedule", "queueTodayDistribution"}
# BRIEF section 8: the other calls the admin pages make.
ADMIN_APP = {
    ("get", "/api/v1/admin/cron-settings/distribution-schedule/preview"): ("previewDistributionSchedule", False),
    ("get", "/api/v1/rbac/my-permissions"): ("getMyPermissions", False),
    ("get", "/api/v1/rbac/permissions"): ("listPermissions", False),
    ("get", "/config"): ("getPlatformConfig", False),
    ("get", "/api/v1/admin/pool/qualifiers"): ("getPoolQualifiers", False),
    ("patch", "/api/v1/admin/daily-declaration-returns/today/modify"): ("modifyTodayDistribution", True),
    ("delete", "/api/v1/admin/daily-declaration-returns/today/cancel"): ("cancelTodayDistribution", True),
    ("post", "/api/v1/admin/login"): ("login", False),
    ("post", "/api/v1/admin/logout"): ("logout", False),
    # BRIEF section 10: today's admin app
    ("get", "/api/v1/config"): ("getPlatformConfigUnderApiPrefix", False),
    ("get", "/settings/public/{key}"): ("getPublicSetting", False),
    ("get", "/api/v1/settings/public/{key}"): ("getPublicSettingUnderApiPrefix", False),
    ("get", "/api/v1/admin/daily-declaration-returns/history"): ("listDistributionHistory", False),
    ("get", "/api/v1/admin/daily-declaration-returns/history/export"): ("exportDistributionHistory", False),
    ("get", "/api/v1/admin/daily-declaration-returns/{date}/details"): ("getDistributionDetails", False),
    ("post", "/api/v1/admin/daily-declaration-returns/today/force-reset"): ("forceResetTodayDistribution", True),
}
PUBLIC = {"getPlatformConfig", "getPlatformConfigUnderApiPrefix", "getPublicSetting", "getPublicSettingUnderApiPrefix",
          "login"}  # fmt: skip


@pytest.fixture(scope="module")
def doc() -> dict:
    return read_yaml(CONTRACT)


@pytest.fixture(scope="module")
def resolved(doc) -> dict:
    return resolve_refs(copy.deepcopy(doc))


def props(schema: dict) -> dict:
    """Properties of a resolved schema, merging allOf parts."""
    merged = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        merged.update(props(part))
    return merged


def success_schema(resolved: dict, method: str, path: str) -> dict:
    responses = resolved["paths"][path][method]["responses"]
    ok = next(code for code in responses if code.startswith("2"))
    return responses[ok]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("path", [CONTRACT, CONTROL], ids=["contract", "control"])
def test_documents_are_valid_openapi_3_0(path):
    document = read_yaml(path)
    assert document["openapi"].startswith("3.0.")
    validate(document)


def test_the_seven_operations_and_their_security(doc):
    found = {(m, p): op["operationId"] for p, item in doc["paths"].items() for m, op in item.items()}
    for pair, operation_id in SEVEN.items():
        assert found.get(pair) == operation_id, f"{pair} missing or misnamed"
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    assert doc["components"]["securitySchemes"]["twoFactorCode"]["name"] == "X-2FA-Code"
    assert doc["security"] == [{"bearerAuth": []}]
    for (method, path), operation_id in SEVEN.items():
        operation = doc["paths"][path][method]
        public = operation_id == "getCronStatus"
        assert operation.get("security", doc["security"]) == ([] if public else [{"bearerAuth": []}]), operation_id
        assert bool(operation.get("x-2fa")) == (operation_id in TWO_FA), operation_id
        if not public:
            assert set(operation["x-roles"]) == {"admin", "superAdmin"}, operation_id
            assert "401" in operation["responses"] and "403" in operation["responses"], operation_id
        if operation_id in TWO_FA:
            names = {p["$ref"].rsplit("/", 1)[-1] for p in operation.get("parameters", [])}
            assert {"TwoFACodeHeader", "TwoFACodeQuery"} <= names, operation_id
            assert "400" in operation["responses"] and "415" in operation["responses"], operation_id


def test_the_admin_app_calls(doc):
    for (method, path), (operation_id, two_fa) in ADMIN_APP.items():
        operation = doc["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert bool(operation.get("x-2fa")) == two_fa, operation_id
        public = operation_id in PUBLIC
        assert (operation.get("security") == []) == public, operation_id
        assert public or operation["x-roles"], operation_id


def test_every_error_uses_the_one_envelope(resolved):
    for path, item in resolved["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert set(schema["required"]) == {"success", "message", "error"}, (method, path, code)
                    assert set(props(schema["properties"]["error"])) == {"code", "message"}


# Field -> JSON type, as BRIEF sections 1-7 give them.
TIMEZONE_FIELDS = {
    "value": "string",
    "label": "string",
    "offset": "string",
    "region": "string",
    "name": "string",
    "displayName": "string",
}
SETTINGS_FIELDS = {
    "_id": "string", "settingType": "string", "timezone": "string", "timezoneOffset": "string",
    "numberOfSlots": "integer", "schedules": "array", "isEnabled": "boolean", "nextExecutions": "array",
    "createdAt": "string", "updatedAt": "string",
}  # fmt: skip
SLOT_FIELDS = {"slotNumber": "integer", "hour": "integer", "minute": "integer", "second": "integer", "label": "string"}
NEXT_FIELDS = {"slotNumber": "integer", "scheduledFor": "string", "label": "string"}
CRON_FIELDS = {
    "status": "string", "mode": "string", "timezone": "string", "numberOfSlots": "integer", "isEnabled": "boolean",
    "nextExecution": "object", "schedules": "array", "lastUpdate": "string", "message": "string",
}  # fmt: skip
STATUS_FIELDS = {
    "today": "string", "status": "string", "scheduledFor": "string", "values": "object",
    "multiSlotEnabled": "boolean", "distributionSlots": "array", "lastExecution": "object",
}  # fmt: skip
DIST_SLOT_FIELDS = {
    "slotNumber": "integer", "rosPercentage": "number", "scheduledFor": "string", "scheduledTime": "string",
    "label": "string", "status": "string", "executionDetails": "object",
}  # fmt: skip
EXECUTION_FIELDS = {
    "executedAt": "string", "executionTimeMs": "integer", "rosStats": "object", "premiumPoolStats": "object",
    "performancePoolStats": "object", "error": "string",
}  # fmt: skip


def assert_fields(schema: dict, expected: dict, where: str) -> None:
    found = props(schema)
    for field, kind in expected.items():
        assert field in found, f"{where}: no field {field}"
        assert found[field].get("type") == kind, f"{where}.{field}: type {found[field].get('type')}, want {kind}"


def test_fields_the_brief_names(resolved):
    paths = resolved["paths"]
    tz = success_schema(resolved, "get", "/api/v1/admin/cron-settings/timezones")["properties"]["data"]
    assert_fields(tz, {"timezones": "array", "grouped": "array", "total": "integer"}, "timezones.data")
    assert_fields(tz["properties"]["timezones"]["items"], TIMEZONE_FIELDS, "Timezone")

    settings = success_schema(resolved, "get", "/api/v1/admin/cron-settings/distribution-schedule")["properties"][
        "data"
    ]
    assert_fields(settings, SETTINGS_FIELDS, "SETTINGS")
    assert_fields(settings["properties"]["schedules"]["items"], SLOT_FIELDS, "SETTINGS.schedules[]")
    assert_fields(settings["properties"]["nextExecutions"]["items"], NEXT_FIELDS, "SETTINGS.nextExecutions[]")

    put = paths["/api/v1/admin/cron-settings/distribution-schedule"]["put"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert_fields(
        put, {"timezone": "string", "numberOfSlots": "integer", "schedules": "array", "twoFACode": "string"}, "PUT body"
    )
    slot = props(put)["schedules"]["items"]["properties"]
    assert (slot["hour"]["minimum"], slot["hour"]["maximum"]) == (0, 23)
    assert (slot["minute"]["minimum"], slot["minute"]["maximum"], slot["second"]["maximum"]) == (0, 59, 59)
    assert (props(put)["numberOfSlots"]["minimum"], props(put)["numberOfSlots"]["maximum"]) == (1, 10)

    toggle = paths["/api/v1/admin/cron-settings/distribution-schedule/toggle"]["patch"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    assert_fields(toggle, {"isEnabled": "boolean", "twoFACode": "string"}, "toggle body")

    cron = success_schema(resolved, "get", "/cron-status")
    assert_fields(cron, CRON_FIELDS, "cron-status")
    assert_fields(
        cron["properties"]["nextExecution"], {"slot": "integer", "time": "string", "label": "string"}, "nextExecution"
    )
    assert "success" not in props(cron), "cron-status is not enveloped"

    queue = paths["/api/v1/admin/daily-declaration-returns/today/queue"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]
    legacy, multi = queue["oneOf"]
    money = {
        "rosPercentage": "number",
        "premiumPoolAmount": "number",
        "performancePoolAmount": "number",
        "description": "string",
        "twoFACode": "string",
    }
    assert_fields(legacy, money, "legacy queue body")
    assert_fields(
        multi, {**money, "multiSlotEnabled": "boolean", "distributionSlots": "array"}, "multi-slot queue body"
    )
    ros = props(multi)["distributionSlots"]["items"]["properties"]["rosPercentage"]
    assert (ros["minimum"], ros["maximum"]) == (0, 100)

    data = success_schema(resolved, "get", "/api/v1/admin/daily-declaration-returns/today/status")["properties"]["data"]
    assert_fields(data, STATUS_FIELDS, "STATUS")
    assert_fields(data["properties"]["distributionSlots"]["items"], DIST_SLOT_FIELDS, "STATUS.distributionSlots[]")
    details = data["properties"]["distributionSlots"]["items"]["properties"]["executionDetails"]
    assert_fields(details, EXECUTION_FIELDS, "executionDetails")
    assert_fields(
        details["properties"]["rosStats"], {"processedStakes": "integer", "totalDistributed": "number"}, "rosStats"
    )
    assert_fields(
        details["properties"]["premiumPoolStats"],
        {"usersReceived": "integer", "totalDistributed": "number"},
        "premiumPoolStats",
    )
    assert set(props(data)["status"]["enum"]) == {"EMPTY", "PENDING", "SCHEDULED", "EXECUTING", "COMPLETED", "FAILED"}


def test_seed_examples_are_in_the_document(doc):
    put = doc["paths"]["/api/v1/admin/cron-settings/distribution-schedule"]["put"]
    example = put["requestBody"]["content"]["application/json"]["examples"]["threeSlotsLagos"]["value"]
    assert [(s["hour"], s["minute"]) for s in example["schedules"]] == [(9, 0), (15, 0), (21, 0)]
    queue = doc["paths"]["/api/v1/admin/daily-declaration-returns/today/queue"]["post"]
    multi = queue["requestBody"]["content"]["application/json"]["examples"]["multiSlot"]["value"]
    assert [s["rosPercentage"] for s in multi["distributionSlots"]] == [1.5, 2.0, 1.0]


def test_swagger_ui_renders_both_documents(inprocess):
    for base in ("", "/__mock"):
        page = inprocess.get(f"{base}/ui/")
        assert page.status_code == 200 and "swagger" in page.text.lower()
        spec = inprocess.get(f"{base}/openapi.json")
        assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.0.")


def test_connexion_checks_a_document_until_it_passes_and_then_remembers_it(tmp_path, monkeypatch):
    """The mock's start-up skips Connexion's check of a document that passed it before (in this process
    or an earlier one, by a file in the cache folder); a document that fails is refused every time."""
    from connexion.exceptions import InvalidSpecification
    from connexion.spec import OpenAPISpecification, Specification

    from mock_server.http import document_check

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(document_check, "_passed", set())
    checks = []
    real = OpenAPISpecification._validate_spec
    monkeypatch.setattr(
        OpenAPISpecification, "_validate_spec", classmethod(lambda cls, spec: (checks.append(1), real(spec)))
    )
    broken = read_yaml(CONTRACT)
    broken["paths"]["/cron-status"]["get"]["responses"] = "none"
    for _ in range(2):
        with pytest.raises(InvalidSpecification), document_check.checked_once():
            Specification.load(copy.deepcopy(broken))
    assert len(checks) == 2 and not (tmp_path / "novunt-mock").exists(), "a failing document was remembered"
    with document_check.checked_once():
        Specification.load(read_yaml(CONTRACT))
    assert len(checks) == 3 and len(list(document_check.cache_folder().iterdir())) == 1
    monkeypatch.setattr(document_check, "_passed", set())  # a later process: only the file remembers
    with document_check.checked_once():
        Specification.load(read_yaml(CONTRACT))
    assert len(checks) == 3, "a document that passed was checked again"
    edited = read_yaml(CONTRACT)
    edited["info"]["title"] += " (edited)"
    with document_check.checked_once():
        Specification.load(edited)
    assert len(checks) == 4, "an edited document was not checked"
    assert OpenAPISpecification._validate_spec.__func__.__name__ == "<lambda>", "the check was not put back"
