"""``mock_server.http.guard``: the ``Host`` must name this server (every route); the control API answers
only the developer's own pages and tools (``Origin``, ``Sec-Fetch-Site``, JSON changes, the control
token, ``--no-control``); redirects name no host."""

from __future__ import annotations

import pytest

from contract_tests.in_process import in_process
from mock_server.http.guard import host_name

from .conftest import make_app

PAUSE = "/__mock/clock/pause"
TOKEN = "s3cret-control-token"


def client(**options):
    return in_process(make_app(**options))


@pytest.mark.parametrize(
    ("host", "name"),
    [("localhost:5000", "localhost"), ("[::1]:5000", "::1"), ("LocalHost", "localhost"), ("127.0.0.1", "127.0.0.1")],
)
def test_host_name_drops_the_port_and_the_case(host, name):
    assert host_name(host) == name


@pytest.mark.parametrize("path", ["/cron-status", "/__mock/clock"])
def test_a_host_that_is_not_this_server_is_400_on_every_route(path):
    mock = client()
    answer = mock.get(path, headers={"Host": "rebound.example:5000"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "'rebound.example' is not this server" in answer.json()["message"]
    assert "--allowed-host" in answer.json()["message"]


def test_loopback_names_and_allowed_hosts_are_this_server():
    mock = client(allowed_hosts=("testserver", "mock.lan"))
    for host in ("localhost:5000", "127.0.0.1:5000", "[::1]:5000", "mock.lan"):
        assert mock.get("/cron-status", headers={"Host": host}).status_code == 200, host
    # a host let through once does not let another through after it
    assert mock.get("/cron-status", headers={"Host": "other.example"}).status_code == 400


def test_a_redirect_names_a_path_never_the_host_it_was_asked_as():
    answer = client().get("/cron-status/", headers={"Host": "localhost:5000"})
    assert 300 <= answer.status_code < 400 and answer.headers["location"] == "/cron-status"


def test_the_control_api_refuses_another_site_s_pages():
    mock = client()
    answer = mock.post(PAUSE, json={}, headers={"Origin": "https://attacker.example"})
    assert answer.status_code == 403 and "not https://attacker.example" in answer.json()["message"]
    assert mock.post(PAUSE, json={}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert mock.post(PAUSE, json={}, headers={"Origin": "http://testserver"}).status_code == 200  # its own page
    assert mock.post(PAUSE, json={}, headers={"Origin": "http://localhost:3000"}).status_code == 200  # the app's
    assert mock.get("/cron-status", headers={"Origin": "https://attacker.example"}).status_code == 200  # CORS's job


def test_a_control_change_must_be_json():
    mock = client()
    answer = mock.post(PAUSE, content=b"{}", headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert mock.get("/__mock/clock").status_code == 200  # a read needs no body
    assert mock.post(PAUSE, json={}).status_code == 200


def test_with_a_control_token_every_control_call_carries_it_but_the_page():
    mock = client(control_token=TOKEN)
    answer = mock.get("/__mock/clock")
    assert answer.status_code == 403 and "X-Mock-Control-Token" in answer.json()["message"]
    assert mock.get("/__mock/clock", headers={"X-Mock-Control-Token": "wrong"}).status_code == 403
    assert mock.get("/__mock/clock", headers={"X-Mock-Control-Token": TOKEN}).status_code == 200
    assert mock.get("/__mock/").status_code == 200  # the page holds no secret: it asks for the token
    assert mock.get("/cron-status").status_code == 200  # the contract's routes are not the control API's


def test_an_export_link_opens_in_a_browser_without_the_token_or_an_origin():
    mock = client(control_token=TOKEN)
    answer = mock.get("/__mock/exports/nothing.csv", headers={"Origin": "https://mail.example"})
    assert answer.status_code == 404 and "No such export" in answer.json()["message"]


def test_without_the_control_api_its_routes_are_404():
    answer = client(no_control=True).get("/__mock/clock")
    assert answer.status_code == 404 and "--no-control" in answer.json()["message"]
