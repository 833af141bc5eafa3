"""``--webhook URL``: each alert and clear POSTed as JSON (a Slack incoming webhook reads its plain
``text``; the structured fields ride beside it), from a thread of its own: a poll never waits on it.

A failed delivery (no answer, or not 2xx) is retried with backoff (``backoff``, twice that, ...) up to
``tries`` times, then given up and said once on stderr. At most ``QUEUED`` events wait; past that the
oldest is dropped (and counted). ``close`` delivers what is still queued, for ``timeout`` seconds at most.
The URL itself is a credential (a Slack webhook's is): it is never printed.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable

import httpx

from .events import Event

QUEUED = 1000
KINDS = ("alert", "clear")  # what is posted: what someone acts on


class Webhook:
    def __init__(
        self,
        url: str,
        *,
        scrub: Callable[[str], str],
        tries: int = 5,
        backoff: float = 1.0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.url = url
        self.scrub = scrub
        self.tries = tries
        self.backoff = backoff
        self.say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[dict | None] = queue.Queue(QUEUED)
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=10, follow_redirects=False)
        self._thread = threading.Thread(target=self._deliver_all, name="watch-webhook", daemon=True)
        self._thread.start()

    def handle(self, event: Event) -> None:
        if event.kind not in KINDS:
            return
        body = event.record()
        while True:
            try:
                self._queue.put_nowait(body)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def _deliver_all(self) -> None:
        while True:
            body = self._queue.get()
            if body is None or self._stop.is_set():
                return
            self._deliver(body)

    def _deliver(self, body: dict) -> None:
        why = ""
        for attempt in range(self.tries):
            if attempt and self._stop.wait(self.backoff * 2 ** (attempt - 1)):
                break
            try:
                answer = self._client.post(self.url, json=body)
                if 200 <= answer.status_code < 300:
                    self.delivered += 1
                    return
                why = f"it answered {answer.status_code}"
            except httpx.HTTPError as failed:
                why = type(failed).__name__
        self.failed += 1
        self.say(
            self.scrub(
                f"watch: webhook: gave up on the {body['event']} {body['key']!r} after {attempt + 1} tries ({why})"
            )
        )

    def close(self, timeout: float = 10) -> None:
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join(2)
        self._client.close()
