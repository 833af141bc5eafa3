"""The public ``/cron-status`` (no auth, not enveloped)."""

from __future__ import annotations

from ..services import current
from ..views import cron_status_view


async def get_cron_status(**_) -> tuple[dict, int]:
    services = current()
    return services.rendered("cron-status", lambda now: cron_status_view(services.store.schedule.read(), now)), 200


# The same public status under the client's /api/v1 base URL (BRIEF §5).
get_cron_status_under_api_prefix = get_cron_status
