"""Time to simulate a year: 365 days of 10 slots over the fixture stakes, through the HTTP API
(in-process, on the app's ASGI interface), each day queued and then run to its end by moving the clock."""

from __future__ import annotations

import asyncio
import time

import httpx

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
    return asyncio.run(_simulate(days, keep))


async def _simulate(days: int, keep: bool):
    # the app's own ASGI interface (httpx's transport), as the server calls it: Starlette's TestClient
    # would add a thread hop per request, a third of the time measured
    settings = Settings(frozen=True, log_requests=False, allowed_hosts=("testserver",))
    app = create_app(settings, clock=Clock(parse_iso(START)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        admin = "/api/v1/admin"
        minted = await client.post("/__mock/tokens", json={"identifier": "ops", "expiresIn": 366 * 86400})
        headers = {"Authorization": f"Bearer {minted.json()['token']}"}
        saved = await client.put(f"{admin}/cron-settings/distribution-schedule", headers=headers, json=TEN_SLOTS)
        assert saved.status_code == 200, saved.text
        started = time.perf_counter()
        slots = 0
        for _ in range(days):
            queued = await client.post(f"{admin}/daily-declaration-returns/today/queue", headers=headers, json=QUEUE)
            assert queued.status_code == 201, queued.text
            moved = await client.post("/__mock/clock/advance", json={"seconds": 86400})
            slots += sum(1 for r in moved.json()["ran"] if r["status"] == "COMPLETED")
        seconds = time.perf_counter() - started
    assert slots == days * 10, f"{slots} slots completed of {days * 10}"
    return app if keep else {"days": days, "slots": slots, "seconds": round(seconds, 2)}


if __name__ == "__main__":
    print(simulate_year())
