"""Time to simulate a year: 365 days of 10 slots over the fixture stakes, through the HTTP API
(in-process), each day queued and then run to its end by moving the clock."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.domain.schedule import parse_iso
from mock_server.settings import Settings

START = "2026-01-01T06:00:00.000Z"  # 07:00 in Lagos
TEN_SLOTS = {
    "timezone": "Africa/Lagos",
    "numberOfSlots": 10,
    "schedules": [{"slotNumber": n, "hour": 8 + n, "minute": 0, "second": 0} for n in range(1, 11)],
}
QUEUE = {
    "multiSlotEnabled": True,
    "distributionSlots": [{"slotNumber": n, "rosPercentage": 0.25} for n in range(1, 11)],
    "rosPercentage": 2.5,
    "premiumPoolAmount": 10000,
    "performancePoolAmount": 5000,
}


def simulate_year(days: int = 365, *, keep: bool = False):
    """The year's figures; with ``keep``, the app that lived it instead (for memory checks)."""
    settings = Settings(frozen=True, log_requests=False, allowed_hosts=("testserver",))
    app = create_app(settings, clock=Clock(parse_iso(START)))
    client = TestClient(app)
    admin = "/api/v1/admin"
    token = client.post("/__mock/tokens", json={"identifier": "ops", "expiresIn": 366 * 86400}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.put(f"{admin}/cron-settings/distribution-schedule", headers=headers, json=TEN_SLOTS).status_code == 200
    )
    started = time.perf_counter()
    slots = 0
    for _ in range(days):
        assert (
            client.post(f"{admin}/daily-declaration-returns/today/queue", headers=headers, json=QUEUE).status_code
            == 201
        )
        ran = client.post("/__mock/clock/advance", json={"seconds": 86400}).json()["ran"]
        slots += sum(1 for r in ran if r["status"] == "COMPLETED")
    seconds = time.perf_counter() - started
    assert slots == days * 10, f"{slots} slots completed of {days * 10}"
    return app if keep else {"days": days, "slots": slots, "seconds": round(seconds, 2)}


if __name__ == "__main__":
    print(simulate_year())
