"""The /__mock/ page in a real browser: headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import shutil

import httpx
import pytest

from contract_tests.helpers import MULTI_QUEUE, THREE_SLOTS

from ..conftest import START, MockServers

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"),
    pytest.mark.xdist_group("control_page"),  # its tests share one module fixture: one worker
]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
THREE, QUEUE = THREE_SLOTS, MULTI_QUEUE  # the seed's day


def queue_a_day(url: str) -> None:
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]

    def headers() -> dict:
        code = httpx.get(f"{url}/__mock/totp/admin").json()["code"]
        return {"Authorization": f"Bearer {token}", "X-2FA-Code": code}

    assert httpx.put(
        f"{url}/api/v1/admin/cron-settings/distribution-schedule", headers=headers(), json=THREE
    ).is_success
    assert httpx.post(
        f"{url}/api/v1/admin/daily-declaration-returns/today/queue", headers=headers(), json=QUEUE
    ).is_success


@pytest.fixture(scope="module")
def browser_on_mock(tmp_path_factory):
    """One served mock and one browser for the module (each test resets the mock and opens a tab)."""
    servers = MockServers(tmp_path_factory.mktemp("page"))
    url, _ = servers.start("--frozen", "--start-time", START, "--quiet")
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield browser, url
            browser.close()
    finally:
        servers.stop()


@pytest.fixture
def page(browser_on_mock):
    browser, url = browser_on_mock
    assert httpx.post(f"{url}/__mock/reset", json={"now": START, "frozen": True}).is_success
    assert httpx.request("DELETE", f"{url}/__mock/requests", json={}).is_success  # what earlier tests sent
    queue_a_day(url)
    tab = browser.new_page()
    tab.goto(f"{url}/__mock/")
    tab.wait_for_selector("[data-slot='3']")
    yield tab, url
    tab.close()


def status_of(tab, slot: int) -> str:
    return tab.get_attribute(f"[data-slot='{slot}']", "data-status")


def test_next_slot_turns_the_slot_completed(page):
    tab, _ = page
    assert [status_of(tab, n) for n in (1, 2, 3)] == ["PENDING"] * 3
    tab.click("#next-slot")
    tab.wait_for_selector("[data-slot='1'][data-status='COMPLETED']")
    assert [status_of(tab, n) for n in (2, 3)] == ["PENDING", "PENDING"]
    assert "288" in tab.inner_text("[data-slot='1']"), "the card shows the stakes paid"
    assert tab.inner_text("#now").startswith("2026-02-12 09:00:00 ")  # ISO, then the zone


def test_an_armed_failure_shows_on_the_card(page):
    tab, _ = page
    tab.fill("#fault-slot", "2")
    tab.click("#fault")
    tab.wait_for_selector("#faults:has-text('slot 2')")
    tab.click("#next-slot")
    tab.wait_for_selector("[data-slot='1'][data-status='COMPLETED']")
    tab.click("#next-slot")
    tab.wait_for_selector("[data-slot='2'][data-status='FAILED']")
    assert "Simulated failure" in tab.inner_text("[data-slot='2']")


def test_hour_pause_and_codes(page):
    tab, url = page
    tab.click("#plus-hour")
    tab.wait_for_selector("#now:has-text('09:00:00')")
    code = httpx.get(f"{url}/__mock/totp/admin").json()["code"]
    assert tab.inner_text("code.totp") == code
    assert tab.inner_text("#pause") == "Resume"  # started frozen
    tab.click("#pause")
    tab.wait_for_selector("#pause:has-text('Pause')")
    assert httpx.get(f"{url}/__mock/clock").json()["frozen"] is False


def test_the_page_shows_what_the_app_sent(page):
    tab, url = page
    tab.wait_for_selector("details.request")
    assert "POST /api/v1/admin/daily-declaration-returns/today/queue 201" in tab.inner_text("#requests")
    httpx.post(f"{url}/api/v1/admin/login", json={"identifier": "admin", "password": "Admin123!"})
    tab.wait_for_selector("details.request[data-status='403']")
    refused = tab.locator("details.request[data-status='403']")
    assert "2FA_CODE_REQUIRED" not in refused.inner_text() and "code required" in refused.inner_text()
    refused.locator("summary").click()
    assert "[redacted]" in refused.inner_text() and "Admin123!" not in tab.content()


def test_a_fault_from_the_page_is_what_the_app_then_meets(page):
    """The page's buttons arm faults the admin app's own calls then meet, seen from the browser."""
    tab, url = page
    tab.click("#status-500")
    tab.wait_for_selector("#route-faults:has-text('getTodayDistributionStatus')")
    token = httpx.post(f"{url}/__mock/tokens", json={"identifier": "admin"}).json()["token"]
    seen = tab.evaluate(
        """async (token) => {
             const r = await fetch("/api/v1/admin/daily-declaration-returns/today/status",
                                   {headers: {Authorization: "Bearer " + token}});
             return [r.status, (await r.json()).error.code];
           }""",
        token,
    )
    assert seen == [500, "INTERNAL_ERROR"]
    tab.click("#slow-save")
    httpx.post(f"{url}/__mock/faults", json={"operationId": "getCronStatus", "drop": True, "times": 1})
    dropped = tab.evaluate("async () => { try { await (await fetch('/cron-status')).json(); return 'answered'; }"
                           " catch (e) { return 'network error'; } }")  # fmt: skip
    assert dropped == "network error"
    took = tab.evaluate(
        """async (token) => {
             const started = performance.now();
             const r = await fetch("/api/v1/admin/cron-settings/distribution-schedule", {method: "PUT",
               headers: {Authorization: "Bearer " + token, "Content-Type": "application/json"}, body: "{}"});
             return [r.status, performance.now() - started];
           }""",
        token,
    )
    assert took[1] >= 3000, took  # the save waited 3 s (and then answered as the route does)


def test_a_scenario_button_builds_the_state_the_page_then_shows(page):
    tab, _ = page
    tab.wait_for_selector("[data-scenario='slot-failed']")
    assert tab.locator("[data-scenario]").count() >= 11
    tab.click("[data-scenario='slot-failed']")
    tab.wait_for_selector("[data-slot='2'][data-status='FAILED']")
    assert [status_of(tab, n) for n in (1, 3)] == ["COMPLETED", "PENDING"]
    assert "Simulated failure" in tab.inner_text("[data-slot='2']")
    assert tab.inner_text("#now").startswith("2026-04-29 16:00:00 ")
    tab.click("[data-scenario='slot-stuck']")
    tab.wait_for_selector("[data-slot='2'][data-status='EXECUTING']")
    tab.wait_for_selector("#built:has-text('Built slot-stuck')")  # said once the build has answered
    # the README's one-liner for Playwright and Cypress tests, from the page's own fetch
    built = tab.evaluate(
        """async () => (await fetch("/__mock/scenarios/all-done", {method: "POST",
             headers: {"Content-Type": "application/json"}, body: "{}"})).json()"""
    )
    assert built["name"] == "all-done"
    tab.wait_for_selector("[data-slot='3'][data-status='COMPLETED']")
