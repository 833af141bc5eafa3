"""One poll of the target: the GETs ``watch`` sends, and what came back.

Read-only by construction: this module has one HTTP method, GET. Every poll reads ``/cron-status``
(public: no token sent) and, with a token, the saved schedule, today's status and the history's
latest days. On a novunt mock (its ``/__mock/clock`` answers) "now" is the mock's clock, read just
before and just after the reads, and the mock's request journal says whether a force-reset was made
since the last poll (a live backend shows none). Every answer's credentials are remembered, so that
no output shows them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from ..contract import Exchange
from ..oracle import parse_instant
from ..redaction import Secrets

CRON_STATUS = "/cron-status"
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
HISTORY = "/api/v1/admin/daily-declaration-returns/history"
HISTORY_DAYS = 5  # the history's latest days, read on every poll
# What each read is called, its path and query, and whether it needs the token (in the order read).
READS = (
    ("cron-status", CRON_STATUS, None, False),
    ("schedule", SCHEDULE, None, True),
    ("status", STATUS, None, True),
    ("history", HISTORY, {"page": "1", "limit": str(HISTORY_DAYS)}, True),
)
FORCE_RESET = "forceResetTodayDistribution"


@dataclass(frozen=True)
class Read:
    """One GET: its exchange (None when the target did not answer: ``error`` says why) and its latency."""

    name: str
    exchange: Exchange | None
    seconds: float
    error: str | None = None


@dataclass
class Poll:
    """What one poll read. ``before``/``after``: the target's clock around the reads; ``resets``: the
    force-resets made since the previous poll (None: the target shows none, as a live backend)."""

    reads: dict[str, Read]
    before: datetime
    after: datetime
    on_mock: bool
    resets: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return any(read.exchange is not None for read in self.reads.values())

    @property
    def unreachable(self) -> str | None:
        """Why the target did not answer (None: it answered every read it was sent)."""
        return next((read.error for read in self.reads.values() if read.error), None)


def is_mock(client: httpx.Client, headers: dict) -> bool:
    """Whether the target is a novunt mock (its /__mock/clock answers ``{now, frozen}``)."""
    try:
        answer = client.get("/__mock/clock", headers=headers)
        return answer.status_code == 200 and {"now", "frozen"} <= set(answer.json())
    except (httpx.HTTPError, ValueError, TypeError):
        return False


class Reader:
    """The target, read: ``read()`` is one poll. ``clock`` is this machine's UTC clock (injectable)."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        token: str | None,
        secrets: Secrets,
        control_token: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.token = token
        self.secrets = secrets
        self.control = {"X-Mock-Control-Token": control_token} if control_token else {}
        secrets.remember(token, control_token)
        self.clock = clock
        self.on_mock: bool | None = None  # not known until the target first answers
        self._journal_since: int | None = None

    @classmethod
    def connect(cls, url: str, token: str | None, secrets: Secrets, timeout: float = 30) -> Reader:
        client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout, follow_redirects=False)
        return cls(client, token=token, secrets=secrets, control_token=os.environ.get("MOCK_CONTROL_TOKEN"))

    def get(self, name: str, path: str, params: dict | None = None, *, admin: bool = False) -> Read:
        headers = {"Authorization": f"Bearer {self.token}"} if admin and self.token else {}
        started = time.perf_counter()
        try:
            response = self.client.get(path, params=params, headers=headers)
        except httpx.TransportError as failed:
            return Read(name, None, time.perf_counter() - started, f"{type(failed).__name__}: {failed}")
        seconds = time.perf_counter() - started
        self.secrets.remember_answer(response.text)
        shown = f"{path}?{httpx.QueryParams(params)}" if params else path
        return Read(
            name, Exchange("GET", shown, None, response.status_code, dict(response.headers), response.text), seconds
        )

    def _mock_now(self) -> datetime | None:
        try:
            return parse_instant(self.client.get("/__mock/clock", headers=self.control).json()["now"])
        except (httpx.HTTPError, ValueError, TypeError, KeyError):
            return None

    def now(self) -> datetime:
        """Now as the target sees it: the mock's clock, or this machine's."""
        return (self._mock_now() if self.on_mock else None) or self.clock()

    def _resets(self) -> int | None:
        """Force-resets answered 2xx since the previous poll, from the mock's journal (None on a live backend)."""
        if not self.on_mock:
            return None
        params = {
            "operationId": FORCE_RESET,
            "status": "2xx",
            **({"since": self._journal_since} if self._journal_since else {}),
        }
        try:
            entries = self.client.get("/__mock/requests", params=params, headers=self.control).json()["requests"]
        except (httpx.HTTPError, ValueError, TypeError, KeyError):
            return None
        first = self._journal_since is None
        self._journal_since = max([self._journal_since or 0, *(e.get("id", 0) for e in entries)])
        return 0 if first else len(entries)

    def read(self, now: datetime | None = None) -> Poll:
        """One poll. ``now`` (a test's) stands for the target's clock when given."""
        if self.on_mock is None:
            self.on_mock = is_mock(self.client, self.control) or None
        before = now or self.now()
        reads: dict[str, Read] = {}
        for name, path, params, admin in READS:
            if admin and not self.token:
                continue
            reads[name] = self.get(name, path, params, admin=admin)
            if reads[name].error:
                break  # down: the rest would wait for the same timeout
        answered = any(read.exchange is not None for read in reads.values())
        if answered and self.on_mock is None:
            self.on_mock = False  # it answered, and not as a mock
        after = now or (self.now() if answered else before)
        resets = self._resets() if answered else None
        return Poll(reads, before, after, bool(self.on_mock), resets)

    def close(self) -> None:
        self.client.close()
