"""No read that starts after a write has returned sees the state from before it, however the reads and
writes interleave (the store's one cache discipline: ``mock_server.state.changes``).

Writers and readers run side by side on one mock; each writer publishes, once its call has returned,
how far the state has got (a floor); each reader notes the floor before it asks and checks that the
answer is at least there. The verdict is about order, not timing: a correct mock passes however the
threads are scheduled; a stale cache entry fails it whenever a reader happens to meet one.

- in-process: one app, threads that each run it on an event loop of their own (as the suite's
  in-process client does), racers of ``POST /__mock/clock/advance`` writing from a thread pool, and
  readers that call the views directly beside the HTTP ones; the interpreter switches threads every
  few microseconds, so reads land between the steps of writes;
- served: ``novunt-mock serve`` on the real-time clock (its ticker running), concurrent HTTP
  connections writing and reading.

What is checked, each time after the write returned: the saved schedule (``GET`` of the schedule,
``/cron-status``, the schedule in force), a queued day (today's status is no longer EMPTY), a clock
move (the slots it ran are COMPLETED in today's status), and the next day (status of the new date).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import httpx

from contract_tests.helpers import MULTI_QUEUE
from contract_tests.in_process import in_process
from mock_server.views.today import today_status

from .conftest import make_app

FIRST_DAY = date(2026, 3, 2)
START = "2026-03-02T05:00:00.000Z"  # 06:00 in Lagos: the day's three slots are ahead
SCHEDULE = "/api/v1/admin/cron-settings/distribution-schedule"
STATUS = "/api/v1/admin/daily-declaration-returns/today/status"
QUEUE = "/api/v1/admin/daily-declaration-returns/today/queue"
ADVANCE = "/__mock/clock/advance"
# writes, and each reader's rounds at least (it reads as long as the writers write)
IN_PROCESS = {"schedules": 120, "days": 20, "rounds": 250}
SERVED = {"schedules": 100, "days": 20, "rounds": 200}


def schedule(version: int) -> dict:
    """Three slots in Lagos (09, 15, 21 o'clock), the minutes and seconds and first label saying which save."""
    minute, second = divmod(version % 3600, 60)
    return {
        "timezone": "Africa/Lagos",
        "numberOfSlots": 3,
        "schedules": [
            {"slotNumber": n, "hour": hour, "minute": minute, "second": second, "label": f"v{version}"}
            for n, hour in ((1, 9), (2, 15), (3, 21))
        ],
    }


def saved_version(labels: list[str]) -> int:
    return int(labels[0].removeprefix("v"))


def progress(data: dict) -> tuple[int, int]:
    """Where today's status says the days have got: (day, 0 nothing queued / 1 queued / 2 every slot run)."""
    day = (date.fromisoformat(data["today"]) - FIRST_DAY).days
    slots = [slot["status"] for slot in data["distributionSlots"]]
    if data["status"] == "EMPTY":
        return day, 0
    return day, 2 if slots and all(status == "COMPLETED" for status in slots) else 1


def instant(day: int, hour_utc: int) -> str:
    return f"{(FIRST_DAY + timedelta(days=day)).isoformat()}T{hour_utc:02d}:00:00.000Z"


class Floors:
    """How far each writer's returned calls have brought the state (only ever raised)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._floors: dict[str, object] = {"schedule": 0, "day": (0, 0)}

    def raise_to(self, name: str, value) -> None:
        with self._lock:
            assert value >= self._floors[name], (name, value, self._floors[name])
            self._floors[name] = value

    def __getitem__(self, name: str):
        with self._lock:
            return self._floors[name]


class Stress:
    """The writers and readers of one run; ``problems`` lists every stale read and failed call."""

    def __init__(self, client: Callable[[], httpx.Client], token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.floors = Floors()
        self.problems: list[str] = []
        self.reads = 0
        self.done = threading.Event()  # a problem was found
        self.written = threading.Event()  # the writers are done

    def problem(self, text: str) -> None:
        self.problems.append(text)
        self.done.set()  # one is enough to fail: stop early

    def reading(self, rounds: int) -> Iterator[int]:
        """Rounds of a reader: as long as the writers write, and at least ``rounds``."""
        done = 0
        while not self.done.is_set() and (done < rounds or not self.written.is_set()):
            yield done
            done += 1

    def call(self, api: httpx.Client, method: str, path: str, json=None, status: int = 200) -> dict:
        answer = api.request(method, path, json=json, headers=self.headers)
        if answer.status_code != status:
            self.problem(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
            raise StopStress
        return answer.json()

    def schedule_writer(self, saves: int) -> None:
        api = self.client()
        for version in range(1, saves + 1):
            if self.done.is_set():
                return
            self.call(api, "PUT", SCHEDULE, schedule(version))
            self.floors.raise_to("schedule", version)

    def day_writer(self, days: int, racers: int) -> None:
        api = self.client()
        for day in range(days):
            if self.done.is_set():
                return
            queued = self.call(api, "POST", QUEUE, MULTI_QUEUE, status=201)["data"]
            self.floors.raise_to("day", max(progress(queued), (day, 1)))
            # every slot has run once this returns (by this move, or by a read's catch-up as the clock passed it)
            self.call(api, "POST", ADVANCE, {"until": instant(day, 21), "racers": racers})
            self.floors.raise_to("day", (day, 2))
            self.call(api, "POST", ADVANCE, {"until": instant(day + 1, 5)})
            self.floors.raise_to("day", (day + 1, 0))

    def check(self, what: str, seen, floor) -> None:
        self.reads += 1
        if seen < floor:
            self.problem(f"{what}: read {seen} after a write had returned {floor}")

    def http_reader(self, rounds: int) -> None:
        api = self.client()
        for _ in self.reading(rounds):
            floor = self.floors["schedule"]
            labels = [slot["label"] for slot in self.call(api, "GET", SCHEDULE)["data"]["schedules"]]
            self.check("GET schedule", saved_version(labels), floor)
            floor = self.floors["schedule"]
            labels = [slot["label"] for slot in self.call(api, "GET", "/cron-status")["schedules"]]
            self.check("GET /cron-status", saved_version(labels), floor)
            floor = self.floors["day"]
            self.check("GET today/status", progress(self.call(api, "GET", STATUS)["data"]), floor)

    def direct_reader(self, services, rounds: int) -> None:
        """The views and the store, called as the control page and the handlers call them."""
        for _ in self.reading(rounds):
            floor = self.floors["schedule"]
            in_force = services.store.schedule.in_force()
            self.check("schedule in force", saved_version([slot.label for slot in in_force.slots]), floor)
            floor = self.floors["day"]
            self.check("today_status()", progress(today_status(services)), floor)

    def run(self, writers: list[Callable[[], None]], readers: list[Callable[[], None]]) -> None:
        def guarded(work: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    work()
                except StopStress:
                    pass
                except Exception as error:  # a crash in a thread is a finding, not a hang
                    self.problem(f"{work.__name__ if hasattr(work, '__name__') else work}: {error!r}")

            return run

        reading = [threading.Thread(target=guarded(reader)) for reader in readers]
        writing = [threading.Thread(target=guarded(writer)) for writer in writers]
        for thread in [*reading, *writing]:
            thread.start()
        for thread in writing:
            thread.join()
        self.written.set()
        for thread in reading:
            thread.join()


class StopStress(Exception):
    """A call failed (already recorded): this thread stops."""


@contextmanager
def switching_often() -> Iterator[None]:
    """Threads take turns every 20 microseconds instead of every 5 ms: reads land inside writes."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(2e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def token_of(api: httpx.Client) -> str:
    # ops: a superAdmin without 2FA, so that writes need no code; a token that outlives the simulated months
    minted = api.post("/__mock/tokens", json={"identifier": "ops", "expiresIn": 366 * 86400})
    assert minted.status_code == 200, minted.text
    return minted.json()["token"]


def test_in_process_no_read_after_a_write_sees_the_old_value():
    app = make_app(START, validate_responses=False)
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:  # one per thread: each runs the app on an event loop of its own
        clients.append(in_process(app))
        return clients[-1]

    stress = Stress(client, token_of(client()))
    stress.call(clients[0], "PUT", SCHEDULE, schedule(0))
    with switching_often():
        stress.run(
            writers=[
                lambda: stress.schedule_writer(IN_PROCESS["schedules"]),
                lambda: stress.day_writer(IN_PROCESS["days"], racers=3),
            ],
            readers=[
                lambda: stress.http_reader(IN_PROCESS["rounds"]),
                lambda: stress.http_reader(IN_PROCESS["rounds"]),
                lambda: stress.direct_reader(app.services, IN_PROCESS["rounds"]),
            ],
        )
    for api in clients:
        api.close()
    assert not stress.problems, stress.problems[:5]
    assert stress.floors["day"] == (IN_PROCESS["days"], 0) and stress.floors["schedule"] == IN_PROCESS["schedules"]
    assert stress.reads >= 8 * IN_PROCESS["rounds"]  # three a round over HTTP, two direct


def test_served_no_read_after_a_write_sees_the_old_value(serve):
    url, log = serve("--start-time", START, "--quiet")  # the real-time clock: its ticker runs beside the calls
    clients: list[httpx.Client] = []

    def client() -> httpx.Client:
        clients.append(httpx.Client(base_url=url, timeout=30))
        return clients[-1]

    stress = Stress(client, token_of(client()))
    stress.call(clients[0], "PUT", SCHEDULE, schedule(0))
    stress.run(
        writers=[
            lambda: stress.schedule_writer(SERVED["schedules"]),
            lambda: stress.day_writer(SERVED["days"], racers=4),
        ],
        readers=[lambda: stress.http_reader(SERVED["rounds"]), lambda: stress.http_reader(SERVED["rounds"])],
    )
    for api in clients:
        api.close()
    assert not stress.problems, (stress.problems[:5], log.read_text()[-2000:])
    assert stress.floors["day"] == (SERVED["days"], 0) and stress.floors["schedule"] == SERVED["schedules"]
    assert stress.reads >= 6 * SERVED["rounds"]
