"""``--metrics-port N``: the run in Prometheus' exposition format (``prometheus_client``), at
``http://HOST:N/metrics``: a gauge per monitor (its open problems: 0 is fine), the alerts each started,
polls and poll errors, whether the target answered the last poll, and each read's latency."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from .alerts import AlertBook
from .checks import Judged
from .events import MONITORS
from .reading import Poll

BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.problems = Gauge("novunt_watch_problems", "Open problems, by monitor (0: fine)", ["monitor"], registry=r)
        self.alerts = Counter("novunt_watch_alerts", "Alerts started, by monitor", ["monitor"], registry=r)
        self.polls = Counter("novunt_watch_polls", "Polls made", registry=r)
        self.errors = Counter("novunt_watch_poll_errors", "Polls the target did not answer, 5xx and non-conforming "
                              "answers", ["kind"], registry=r)  # fmt: skip
        self.up = Gauge("novunt_watch_target_up", "1 when the target answered the last poll", registry=r)
        self.last = Gauge("novunt_watch_last_poll_timestamp_seconds", "When the last poll ended", registry=r)
        self.latency = Histogram("novunt_watch_request_seconds", "Latency of each read", ["read"], buckets=BUCKETS,
                                 registry=r)  # fmt: skip
        for monitor in MONITORS:
            self.problems.labels(monitor).set(0)
            self.alerts.labels(monitor)
        for kind in ("unreachable", "server_error", "contract"):
            self.errors.labels(kind)
        self._counted: dict[str, int] = {}
        self.server, self.thread = start_http_server(port, addr=host, registry=r)

    def observe(self, poll: Poll, judged: Judged, book: AlertBook) -> None:
        self.polls.inc()
        self.up.set(0 if poll.unreachable else 1)
        self.last.set(time.time())
        for read in poll.reads.values():
            if read.exchange is not None:
                self.latency.labels(read.name).observe(read.seconds)
        if poll.unreachable:
            self.errors.labels("unreachable").inc()
        self.errors.labels("server_error").inc(sum(monitor == "server-error" for monitor, _ in judged.found))
        self.errors.labels("contract").inc(sum(monitor == "contract" for monitor, _ in judged.found))
        open_by = {monitor: 0 for monitor in MONITORS}
        for problem in book.open.values():
            open_by[problem.monitor] = open_by.get(problem.monitor, 0) + 1
        for monitor, count in open_by.items():
            self.problems.labels(monitor).set(count)
        for monitor, fired in book.fired.items():
            if fired > self._counted.get(monitor, 0):
                self.alerts.labels(monitor).inc(fired - self._counted.get(monitor, 0))
                self._counted[monitor] = fired

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
