"""The mock as a frontend developer meets it: CORS, sign-in, 2FA policies, hostile input, no schedule."""

from __future__ import annotations

import shutil

import pytest
from starlette.testclient import TestClient

from .conftest import admin_headers, make_app

SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
HISTORY = "/api/v1/admin/daily-declaration-returns/history"
TOGGLE = f"{SCHEDULE}/toggle"
ORIGIN = "http://localhost:3000"


def test_cors_preflight_with_credentials(inprocess):
    response = inprocess.options(
        SCHEDULE,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type,x-2fa-code",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "x-2fa-code"} <= {h.strip() for h in allowed.split(",")}
    assert set(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) <= set(
        response.headers["access-control-allow-methods"].replace(" ", "").split(",")
    )


def test_cors_headers_on_errors_and_never_a_wildcard(inprocess):
    error = inprocess.get(SCHEDULE, headers={"Origin": ORIGIN})
    assert error.status_code == 401 and error.headers["access-control-allow-origin"] == ORIGIN
    other = inprocess.get("/cron-status", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_configurable_origin():
    client = TestClient(make_app(origins=("http://localhost:3001",)))
    response = client.get("/cron-status", headers={"Origin": "http://localhost:3001"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:3001"


def test_sign_in_as_the_real_client_does(inprocess):
    code = inprocess.get("/__mock/totp/admin").json()["code"]
    signed = inprocess.post(
        "/api/v1/admin/login", json={"identifier": "admin@novunt.test", "password": "Admin123!", "twoFACode": code}
    )
    assert signed.status_code == 200
    data = signed.json()["data"]
    assert data["user"]["role"] == "admin" and data["user"]["twoFAEnabled"] is True
    import jwt

    payload = jwt.decode(data["token"], options={"verify_signature": False})
    assert payload["is2FAVerified"] is True and payload["role"] == "admin"
    assert {"id", "email", "role", "twoFAEnabled", "is2FAVerified", "iat", "exp"} <= set(payload)
    token = data["token"]
    assert inprocess.get(SCHEDULE, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    by_username = inprocess.post("/api/v1/admin/login", json={"identifier": "ops", "password": "Ops123!"})
    assert by_username.status_code == 200 and by_username.json()["data"]["user"]["role"] == "superAdmin"
    assert inprocess.post("/api/v1/admin/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"identifier": "admin@novunt.test", "password": "wrong"},
        {"identifier": "nobody@novunt.test", "password": "Admin123!"},
        {"identifier": "admin@novunt.test", "password": "Admin123!", "twoFACode": "000000"},
    ],
)
def test_sign_in_refused(inprocess, credentials):
    response = inprocess.post("/api/v1/admin/login", json=credentials)
    assert response.status_code == 401 and response.json()["error"]["code"] == "UNAUTHORIZED"


def test_strict_2fa_refuses_a_reused_code():
    client = TestClient(make_app(strict_2fa=True))
    headers = admin_headers(client, code=True)
    assert client.patch(TOGGLE, headers=headers, json={"isEnabled": False}).status_code == 200
    again = client.patch(TOGGLE, headers=headers, json={"isEnabled": True})
    assert again.status_code == 403 and again.json()["error"]["code"] == "2FA_CODE_INVALID"
    assert "already used" in again.json()["message"]
    client.post("/__mock/clock/advance", json={"seconds": 30})
    fresh = admin_headers(client, code=True)
    assert client.patch(TOGGLE, headers=fresh, json={"isEnabled": True}).status_code == 200


def test_require_2fa_policy_refuses_admins_without_it():
    client = TestClient(make_app(require_2fa=True))
    response = client.patch(TOGGLE, headers=admin_headers(client, "ops@novunt.test"), json={"isEnabled": False})
    assert response.status_code == 403 and response.json()["error"]["code"] == "2FA_MANDATORY"
    assert client.get(SCHEDULE, headers=admin_headers(client, "ops@novunt.test")).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"\xff\xfe\xfd", "application/json", 400, "INVALID_JSON"),
        (b'{"isEnabled": NaN}', "application/json", 400, "INVALID_JSON"),
        (b'{"isEnabled": true', "application/json", 400, "INVALID_JSON"),
        (b"[]", "application/json", 400, "VALIDATION_ERROR"),
        (b'"text"', "application/json", 400, "VALIDATION_ERROR"),
        (b"isEnabled=true", "application/x-www-form-urlencoded", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"", "application/json", 400, "VALIDATION_ERROR"),
    ],
)
def test_hostile_bodies_get_the_envelope_never_a_500(inprocess, content, content_type, status, code):
    headers = {**admin_headers(inprocess, code=True), "Content-Type": content_type}
    response = inprocess.patch(TOGGLE, headers=headers, content=content)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code and body["message"] == body["error"]["message"]


@pytest.mark.parametrize(
    "path", ["/api/v1/admin/%0A", "/%00", "/api/v1/admin/cron-settings/timezones/../../x", "/__mock/totp/%0A"]
)
def test_odd_paths_are_404s(inprocess, path):
    response = inprocess.get(path, headers=admin_headers(inprocess))
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_huge_numbers_are_validation_errors(inprocess):
    body = {
        "timezone": "UTC",
        "numberOfSlots": 10**40,
        "schedules": [{"slotNumber": 1, "hour": 10**30, "minute": 0, "second": 0}],
    }
    response = inprocess.put(SCHEDULE, headers=admin_headers(inprocess, code=True), json=body)
    assert response.status_code == 400 and len(response.json()["errors"]) >= 2


def test_a_body_judged_again_gets_the_same_answer_and_no_password_is_kept(inprocess, app):
    """A body's schema problems are remembered by its bytes (Connexion judges every body anew), so the
    same body sent again must get the same answer; a body with a password or a code is not kept."""
    bad = {"timezone": "UTC", "numberOfSlots": 0, "schedules": "none"}
    first, again = (inprocess.put(SCHEDULE, headers=admin_headers(inprocess, code=True), json=bad) for _ in range(2))
    assert first.status_code == again.status_code == 400 and first.json()["errors"] == again.json()["errors"]
    inprocess.post("/api/v1/admin/login", json={"identifier": "ops", "password": "Ops123!"})
    kept = [raw for _schema, raw in app.services.judged_bodies]
    assert kept and not any(b"Ops123!" in raw for raw in kept), "a sign-in body's password was kept"


@pytest.mark.parametrize("digits", ["%F0%91%9C%B1", "%D9%A3", "%EF%BC%91"])  # Ahom, Arabic-Indic, full-width
def test_a_number_in_another_script_is_not_a_number(inprocess, digits):
    """Found by the fuzz against a live-like mock: Python's int() reads any script's digits."""
    response = inprocess.get(f"{HISTORY}?limit={digits}", headers=admin_headers(inprocess))
    assert response.status_code == 400 and response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "limit" in response.json()["message"]


def test_no_schedule_configured(tmp_path):
    from mock_server.resources import FIXTURES_DIR

    for name in ("identities.yaml", "timezones.yaml", "stakes.yaml"):
        shutil.copy(FIXTURES_DIR / name, tmp_path / name)
    client = TestClient(make_app(fixtures_dir=tmp_path))
    headers = admin_headers(client)
    missing = client.get(SCHEDULE, headers=headers)
    assert missing.status_code == 404 and missing.json()["message"] == "No distribution schedule configured"
    status = client.get("/cron-status").json()
    assert status["mode"] == "fixed" and status["schedules"][0]["scheduledTime"] == "15:59:59"
    legacy = {"rosPercentage": 1, "premiumPoolAmount": 0, "performancePoolAmount": 0}
    assert (
        client.post(
            "/api/v1/admin/daily-declaration-returns/today/queue", headers=admin_headers(client, code=True), json=legacy
        ).status_code
        == 201
    )
    created = client.put(
        SCHEDULE,
        headers=admin_headers(client, code=True),
        json={
            "timezone": "UTC",
            "numberOfSlots": 1,
            "schedules": [{"slotNumber": 1, "hour": 1, "minute": 0, "second": 0}],
        },
    )
    assert created.status_code == 200 and len(created.json()["data"]["_id"]) == 24


def test_405_lists_the_allowed_methods(inprocess):
    response = inprocess.delete(SCHEDULE, headers=admin_headers(inprocess))
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "PUT", "OPTIONS"}


def test_control_clock_refuses_to_move_backwards_without_reset(inprocess):
    refused = inprocess.put("/__mock/clock", json={"now": "2026-01-01T00:00:00Z"})
    assert refused.status_code == 409
    moved = inprocess.put("/__mock/clock", json={"now": "2026-01-01T00:00:00Z", "reset": True})
    assert moved.status_code == 200 and moved.json()["now"] == "2026-01-01T00:00:00.000Z"


def test_real_time_mode_runs_due_slots_in_the_background():
    """The ticker (real-time mode) runs a slot the clock has passed without any request or clock call."""
    import anyio

    app = make_app(tick_seconds=0.01)
    services = app.services
    with TestClient(app) as client:  # runs the lifespan, so the ticker is on
        legacy = {"rosPercentage": 1.0, "premiumPoolAmount": 0, "performancePoolAmount": 0}
        assert (
            client.post(
                "/api/v1/admin/daily-declaration-returns/today/queue",
                headers=admin_headers(client, code=True),
                json=legacy,
            ).status_code
            == 201
        )
        services.clock.set(services.clock.now().replace(hour=15), frozen=False)  # 16:00 Lagos: slot 1 is due
        slot = lambda: services.store.days.slots_of("2026-02-12")[0]["status"]  # noqa: E731
        for _ in range(200):  # waits for the background task, not for simulated time
            if slot() == "COMPLETED":
                break
            anyio.run(anyio.sleep, 0.01)
        assert slot() == "COMPLETED"
