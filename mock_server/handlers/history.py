"""Past days (the current admin app's Distribution History tab): the list, one day's details, the
CSV export and its download (BRIEF section 10)."""

from __future__ import annotations

import secrets
from datetime import date

from connexion import request

from ..domain.schedule import to_iso
from ..http.errors import ApiError
from ..http.services import Services, current
from ..views.history import PastDay, details_view, history_csv, history_page


def _date(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ApiError.validation([f"{name}: '{value}' is not a calendar date (YYYY-MM-DD)"]) from None


def past_days(services: Services, start: str | None, end: str | None) -> list[PastDay]:
    """Every distributed date from ``start`` to ``end`` (open or archived), newest first."""
    days = [(day, slots) for day, slots in services.store.days.between(start, end) if slots]
    ledger = services.store.archive.summaries([day for day, _ in days])
    return [PastDay.summed(day, slots, ledger[day["date"]]) for day, slots in days]


def ended_days(services: Services, start: str | None, end: str | None, status: str | None) -> list[PastDay]:
    """The history: the days from ``start`` to ``end`` whose every slot has finished, with ``status``."""
    found = past_days(services, start, end)
    return [past for past in found if past.ended and (status is None or past.status == status)]


def _filtered(services: Services, startDate: str | None, endDate: str | None, status: str | None) -> list[PastDay]:
    start, end = _date(startDate, "startDate"), _date(endDate, "endDate")
    if start and end and start > end:
        raise ApiError.validation([f"startDate: {start} is after endDate {end}"])
    return ended_days(services, start, end, status)


async def list_distribution_history(
    page: int = 1, limit: int = 20, startDate: str | None = None, endDate: str | None = None,
    status: str | None = None, **_,
) -> tuple[dict, int]:  # fmt: skip
    days = _filtered(current(), startDate, endDate, status)
    return {"success": True, "data": history_page(days, page, limit)}, 200


async def export_distribution_history(
    format: str = "csv", startDate: str | None = None, endDate: str | None = None, status: str | None = None, **_
) -> tuple[dict, int]:
    services = current()
    if format != "csv":
        raise ApiError.validation([f"format: {format} exports are not available on the mock; use format=csv"])
    days = _filtered(services, startDate, endDate, status)
    export_id = secrets.token_urlsafe(16)
    services.store.exports.add(export_id, history_csv(days), to_iso(services.clock.now()))
    url = str(request.url.replace(path=f"/__mock/exports/{export_id}.csv", query=""))
    return {"success": True, "data": {"downloadUrl": url, "format": "csv", "records": len(days)}}, 200


async def get_distribution_details(date: str, **_) -> tuple[dict, int]:
    services = current()
    day = _date(date, "date")
    found = past_days(services, day, day)
    if not found:
        raise ApiError(404, "NOT_FOUND", f"Nothing was distributed on {day}")
    past = found[0]
    user = services.store.users.by_id(str(past.day.get("queuedBy")))
    queued_by = {key: user[key] for key in ("_id", "email", "username")} if user else None
    return {"success": True, "data": details_view(past, queued_by)}, 200
