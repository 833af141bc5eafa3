"""The request journal of a running mock, for an app's own end-to-end tests (WireMock's ``verify``).

    def test_the_schedule_modal_saves_once(mock_requests):
        mock_requests.clear()
        ...  # drive the admin app: open the schedule page, save through the 2FA modal
        (put,) = mock_requests.find(method="PUT", operationId="updateDistributionSchedule")
        assert put["status"] == 200 and put["body"]["twoFACode"] == "[redacted]"  # sent with a code

The fixture ``mock_requests`` (this package's pytest plugin) talks to ``MOCK_URL`` (default
``http://127.0.0.1:5000``); ``MOCK_CONTROL_TOKEN`` when the mock has one.
"""

from __future__ import annotations

import os
import time

import httpx


def control_client(url: str | None = None, control_token: str | None = None, timeout: float = 30) -> httpx.Client:
    """A client of a running mock's ``/__mock/`` API, as the fixtures reach it: ``url``, else
    ``MOCK_URL``, else the default address; ``control_token``, else ``MOCK_CONTROL_TOKEN``."""
    url = (url or os.environ.get("MOCK_URL") or "http://127.0.0.1:5000").rstrip("/")
    token = control_token or os.environ.get("MOCK_CONTROL_TOKEN")
    headers = {"X-Mock-Control-Token": token} if token else {}
    return httpx.Client(base_url=f"{url}/__mock", headers=headers, timeout=timeout)


class RequestJournal:
    def __init__(self, url: str | None = None, control_token: str | None = None) -> None:
        self.client = control_client(url, control_token)

    def clear(self) -> int:
        return self.client.request("DELETE", "/requests", json={}).raise_for_status().json()["cleared"]

    def find(self, **filters) -> list[dict]:
        """Entries, oldest first; filters as ``GET /__mock/requests``: method, path (a prefix),
        operationId, status (``404`` or ``4xx``), since (an id), limit."""
        params = {k: v for k, v in filters.items() if v is not None}
        return self.client.get("/requests", params=params).raise_for_status().json()["requests"]

    def wait_for(self, count: int = 1, *, seconds: float = 10, **filters) -> list[dict]:
        """The entries once at least ``count`` match (an app sends on its own time), or AssertionError."""
        deadline = time.monotonic() + seconds
        while True:
            found = self.find(**filters)
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if len(found) < count:
            raise AssertionError(f"expected {count} request(s) matching {filters}, the mock saw {len(found)}")
        return found

    def close(self) -> None:
        self.client.close()
