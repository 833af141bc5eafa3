"""Fixtures of the mock's own tests: an in-process app on a frozen clock, and its parts."""

from __future__ import annotations

from datetime import datetime

import pytest
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.domain.schedule import parse_iso
from mock_server.settings import Settings

START = "2026-02-12T07:00:00.000Z"


def make_app(start: str = START, **options):
    settings = Settings(validate_responses=True, frozen=True, log_requests=False, **options)
    return create_app(settings, clock=Clock(parse_iso(start)))


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def inprocess(app) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def admin_headers(client: TestClient, identifier: str = "admin@novunt.test", code: bool = False) -> dict:
    token = client.post("/__mock/tokens", json={"identifier": identifier}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    if code:
        headers["X-2FA-Code"] = client.get(f"/__mock/totp/{identifier}").json()["code"]
    return headers


def at(text: str) -> datetime:
    return parse_iso(text)
