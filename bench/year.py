"""Time to simulate a year: 365 days of 10 slots over the fixture stakes, through the HTTP API
(in-process, on the app's ASGI interface, as a server calls it: ``bench.asgi``), each day queued and then run to its
end by moving the clock."""

from __future__ import annotations

import asyncio
import json
import time

from bench.asgi import call
from mock_server.app import create_app
from mock_server.domain.schedule import parse_iso
from mock_server.engine.clock import Clock
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
ADMIN = "/api/v1/admin"


async def send(app, method: str, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    """A JSON request through the app's ASGI interface; its status and JSON answer."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    status, answer = await call(app, method, path, headers, json.dumps(body).encode())
    return status, json.loads(answer or b"null")


def simulate_year(days: int = 365, *, keep: bool = False):
    """The year's figures; with ``keep``, the app that lived it instead (for memory checks)."""
    return asyncio.run(_simulate(days, keep))


async def _simulate(days: int, keep: bool):
    settings = Settings(frozen=True, log_requests=False, allowed_hosts=("testserver",))
    app = create_app(settings, clock=Clock(parse_iso(START)))
    status, minted = await send(app, "POST", "/__mock/tokens", {"identifier": "ops", "expiresIn": 366 * 86400})
    token = minted["token"]
    status, saved = await send(app, "PUT", f"{ADMIN}/cron-settings/distribution-schedule", TEN_SLOTS, token)
    assert status == 200, saved
    started = time.perf_counter()
    slots = 0
    for _ in range(days):
        status, queued = await send(app, "POST", f"{ADMIN}/daily-declaration-returns/today/queue", QUEUE, token)
        assert status == 201, queued
        status, moved = await send(app, "POST", "/__mock/clock/advance", {"seconds": 86400})
        assert status == 200, moved
        slots += sum(1 for r in moved["ran"] if r["status"] == "COMPLETED")
    seconds = time.perf_counter() - started
    assert slots == days * 10, f"{slots} slots completed of {days * 10}"
    return app if keep else {"days": days, "slots": slots, "seconds": round(seconds, 2)}


if __name__ == "__main__":
    print(simulate_year())
