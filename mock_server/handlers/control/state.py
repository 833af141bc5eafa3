"""The mock's state: back to the fixtures, the stakes, and the history exports' download links."""

from __future__ import annotations

from datetime import datetime

from ...engine.clock import wall_now
from ...http.errors import ApiError
from ...http.services import Services, current
from ...state.exports import EXPORTS_KEPT
from .instants import clock_view, instant_of


def reset_to_fixtures(services: Services, now: datetime | None = None, frozen: bool | None = None) -> None:
    services.store.reset(services.fixtures)
    if now is not None or frozen is not None:
        services.clock.set(now or services.clock.now(), frozen=frozen)


async def reset_state(body: dict | None = None, **_) -> tuple[dict, int]:
    """Back to the fixtures, and the clock to ``now`` (frozen or running as it was, unless ``frozen``
    says) or else back to the wall clock, running (unless ``frozen: true``)."""
    services = current()
    body = body or {}
    if body.get("now"):
        reset_to_fixtures(services, instant_of(body["now"], "now"), body.get("frozen"))
    else:
        reset_to_fixtures(services, wall_now(), bool(body.get("frozen", False)))
    return clock_view(services), 200


async def list_stakes(**_) -> tuple[dict, int]:
    stakes = current().store.stakes.all()
    return {
        "stakes": [{"id": s["_id"], "amount": str(s["amount"]), "isActive": bool(s["isActive"])} for s in stakes]
    }, 200


FILENAME = "distribution-history.csv"


async def download_export(exportId: str, **_):
    text = current().store.exports.text(exportId.removesuffix(".csv"))
    if text is None:
        kept = f"download links stay valid for the last {EXPORTS_KEPT} exports"
        raise ApiError(404, "NOT_FOUND", f"No such export: {kept}")
    headers = {"Content-Type": "text/csv", "Content-Disposition": f'attachment; filename="{FILENAME}"'}
    return text, 200, headers
