"""The public ``/cron-status`` (no auth, not enveloped)."""

from __future__ import annotations

from ..services import current
from ..views import cron_status_view


async def get_cron_status(**_) -> tuple[dict, int]:
    services = current()
    return cron_status_view(services.store.schedule.read(), services.clock.now()), 200
