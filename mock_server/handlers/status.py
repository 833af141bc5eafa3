"""The public ``/cron-status`` (no auth, not enveloped)."""

from __future__ import annotations

from starlette.responses import Response

from ..http.services import current
from ..views.schedule import cron_status_view


async def get_cron_status(**_) -> Response:
    services = current()
    return services.answer("cron-status", lambda now: cron_status_view(services.store.schedule.read(), now))


# The same public status under the client's /api/v1 base URL (BRIEF §5).
get_cron_status_under_api_prefix = get_cron_status
