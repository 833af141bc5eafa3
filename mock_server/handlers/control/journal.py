"""The request journal: what clients sent the contract's routes, and what they were answered."""

from __future__ import annotations

from ...http.services import current


async def list_requests(
    method: str | None = None, path: str | None = None, operationId: str | None = None,
    status: str | None = None, since: int | None = None, limit: int | None = None, **_,
) -> tuple[dict, int]:  # fmt: skip
    journal = current().journal
    found = journal.entries(method=method, path=path, operation_id=operationId, status=status, since=since, limit=limit)
    return {"requests": found}, 200


async def clear_requests(**_) -> tuple[dict, int]:
    return {"cleared": current().journal.clear()}, 200
