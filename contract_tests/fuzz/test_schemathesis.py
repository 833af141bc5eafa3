"""Property-based tests from openapi/contract.yaml: every operation, valid and invalid inputs, all of
Schemathesis' checks, a fresh token and TOTP code per call, and stateful sequences through the
document's links (PUT schedule -> GET schedule -> queue -> status).

Against a live backend only GET operations are fuzzed (and the coverage phase never sends an
undeclared method) unless --allow-writes is given; with it, the schedule and toggle are fuzzed and
put back after each operation (the run fails if they cannot be); queue, modify and cancel, which
change a real distribution, need --allow-distribution.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import SkipTest

import pytest
import requests
import requests.adapters
import schemathesis
import schemathesis.python.asgi
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup, as_reported_failure
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests  # the per-operation tests its pytest plugin runs

from ..contract import document
from ..in_process import InProcessAdapter, InProcessClient
from ..options import mode_of
from ..restore import ScheduleSnapshot
from ..summary import skip_for
from ..target import Target

METHODS = ("get", "put", "post", "patch", "delete")
# Operations that queue, change, cancel or re-run a real distribution: only with --allow-distribution.
DISTRIBUTION_WRITES = {
    "queueTodayDistribution",
    "modifyTodayDistribution",
    "cancelTodayDistribution",
    "forceResetTodayDistribution",
}
# Signing in and out with generated credentials could lock a real account, and the 2FA set-up screen's
# calls open a set-up or try codes on the account of the token (BRIEF section 11): never fuzzed live.
TWO_FACTOR = {"setUpTwoFactor", "confirmTwoFactor", "checkTwoFactorCode"}
SESSION = {"login", "logout", *TWO_FACTOR, *(f"{name}UnderApiPrefix" for name in TWO_FACTOR)}

# Business rules the schema cannot express (x-rules) answer 400 to schema-valid data, and a second
# queue in a day answers 409: both are the contract, so positive data may get them.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409"]
"""
LIVE_CONFIG = (  # against a live backend, never a method the document does not declare
    CONFIG
    + """
[phases.coverage]
unexpected-methods = []
"""
)
# Sized for CI and for a verify run: every phase and check on every operation; the fuzzing phase draws
# 5 examples each (make hunt 100, make fuzz 300), and the coverage phase probes each path of the mock with
# three methods it does not declare (OPTIONS, where CORS answers preflights; QUERY, which few servers
# know; DELETE, an everyday verb) instead of all eight (make hunt and make fuzz: "all"). Against a
# live backend it sends none.
EXAMPLES = int(os.environ.get("CONTRACT_FUZZ_EXAMPLES", "5"))
UNEXPECTED_METHODS = os.environ.get("CONTRACT_FUZZ_METHODS", "OPTIONS,QUERY,DELETE")


def mock_config() -> str:
    if UNEXPECTED_METHODS.strip().lower() == "all":
        return CONFIG
    methods = ", ".join(f'"{m.strip().lower()}"' for m in UNEXPECTED_METHODS.split(",") if m.strip())
    return CONFIG + f"\n[phases.coverage]\nunexpected-methods = [{methods}]\n"


class TokenAndCode:
    """A bearer token for every call, and a TOTP code good on the target's clock: computed for each
    call against a live backend; on the mock, whose clock the fuzz does not move (the suite resets
    it frozen), asked once, as the admin app reuses one code."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.token = target.admin_token()
        self._mock_code = target.code() if target.is_mock else None

    def get(self, case, context):
        return self.token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
        code = self._mock_code or self.target.code()
        if code:
            case.headers["X-2FA-Code"] = code


def _forbidden(method: str, operation_id: str, *, writes: bool, distribution: bool) -> bool:
    return (
        (method != "get" and not writes)
        or (operation_id in DISTRIBUTION_WRITES and not distribution)
        or operation_id in SESSION
    )


def _drop_links_to(doc: dict, removed: set[str]) -> None:
    for item in doc["paths"].values():
        for method in [m for m in item if m in METHODS]:
            for response in item[method]["responses"].values():
                links = response.get("links") or {}
                for name in [n for n, link in links.items() if link.get("operationId") in removed]:
                    del links[name]
                if "links" in response and not links:
                    del response["links"]


def allowed_document(*, writes: bool, distribution: bool) -> dict:
    """The contract with only the operations this run may send.

    Safety does not rest on a filter: an operation that is not in the document handed to
    Schemathesis cannot be generated. Links that name a removed operation go with it.
    """
    doc = copy.deepcopy(document())
    removed = set()
    for path, item in list(doc["paths"].items()):
        for method in [m for m in item if m in METHODS]:
            name = item[method]["operationId"]
            if _forbidden(method, name, writes=writes, distribution=distribution):
                removed.add(name)
                del item[method]
        if not any(m in item for m in METHODS):
            del doc["paths"][path]
    _drop_links_to(doc, removed)
    return doc


@pytest.fixture
def api_schema(target: Target, contract_seed):
    if not target.admin_token():
        skip_for("--token", "an admin bearer token (env CONTRACT_TOKEN)")
    config = SchemathesisConfig.from_str(mock_config() if target.is_mock else LIVE_CONFIG)
    snapshot = None
    if target.is_mock:
        target.control.reset()
    elif target.allow_writes:
        snapshot = ScheduleSnapshot.take(target)  # put back after this operation's examples, even on failure
    if target.mode == "in-process":
        schema = schemathesis.openapi.from_asgi("/openapi.json", target.client.app, config=config)
    elif target.is_mock:
        schema = schemathesis.openapi.from_dict(document(), config=config)
    else:
        allowed = allowed_document(writes=target.allow_writes, distribution=target.allow_distribution)
        schema = schemathesis.openapi.from_dict(allowed, config=config)
    if target.mode != "in-process":
        schema.config.update(base_url=str(target.client.base_url))
    schema.config.seed = contract_seed  # each operation's examples drawn from the run's seed: replayable
    schema.auth.providers.append(TokenAndCode(target))
    with contextlib.ExitStack() as stack:
        if target.mode == "in-process":
            stack.enter_context(probes_through(target.client))
        yield schema
    if snapshot is not None:
        snapshot.restore()


def in_process_session(client: InProcessClient) -> schemathesis.python.asgi.ASGIClient:
    """Schemathesis' own kind of ASGI session (its transport sends on it as it is), into the app through
    the suite's client: no thread per request, no proxy settings read from the environment per call."""
    session = schemathesis.python.asgi.ASGIClient(client.app)
    session.trust_env = False
    adapter = InProcessAdapter(client)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextlib.contextmanager
def probes_through(client: InProcessClient):
    """Schemathesis sends its checks' probes (the request again without credentials, ...) and the
    stateful sequences' calls on a new ASGI session of its own, which runs every request on a thread
    through a portal (a tenth of the fuzz's time): in-process, those go through the suite's client too."""
    original = schemathesis.python.asgi.get_client

    def get_client(app, **kwargs):
        return in_process_session(client) if app is client.app else original(app, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schemathesis.python.asgi, "get_client", get_client)
        yield


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
# Against a live backend read-only, the operations (independent GETs) are fuzzed side by side, at most
# this many at once over one connection pool: a backend 50 ms away is not 50 ms per request of the run.
PARALLEL_READS = max(1, int(os.environ.get("CONTRACT_PARALLEL_READS", "6")))


def _call_and_validate(case, fuzz_session):
    with TURNS.waiting():  # the case is drawn: sending and checking it needs no turn
        case.call_and_validate(session=fuzz_session)


# In-process, the operations in three parts by their tags, each a test of its own, so that pytest-xdist
# can fuzz them on separate cores (each worker has a mock of its own); a part's operations share state
# (the day's queue before its modify and cancel), so a part stays whole. Every operation is in exactly
# one. Against a served mock or a live backend (one backend, one run) they stay one test, "every", whose
# reads can then be sent side by side.
PARTS = {"declarations": {"declarations"}, "history": {"history"}}
OTHERS = "settings-session-and-app"  # the schedule, sign-in, status and the admin app's other calls
ORDER = [OTHERS, "declarations", "history"]  # the longest first (spread over cores, they start first)
EVERY = "every"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.name == "test_fuzz_every_operation":
        in_process = mode_of(metafunc.config) == "in-process"
        metafunc.parametrize("part", ORDER if in_process else [EVERY])


def operations_in_part(schema, part: str):
    """The schema with only the operations of ``part`` (``EVERY``: all of them)."""
    if part == EVERY:
        return schema
    if part in PARTS:
        return schema.include(tag=sorted(PARTS[part]))
    return schema.exclude(tag=sorted(set().union(*PARTS.values())))


def test_fuzz_every_operation(api_schema, target: Target, fuzz_session, subtests, part):
    """Every operation of the document this run may send, through all of Schemathesis' phases and
    checks; one subtest per operation, one test per part. One after the other against the mock or when
    writes are allowed (they share state); side by side (``PARALLEL_READS``) when only reads are sent."""
    load_all_checks()
    schema = operations_in_part(api_schema, part).clone(test_function=_call_and_validate)
    tests = list(get_all_tests(schema=schema, test_func=_call_and_validate, settings=SETTINGS, given_kwargs=None))
    if not tests:
        if next(iter(api_schema.get_all_operations()), None) is None:  # asked only when the part is empty
            pytest.fail("the document holds no operation this run may send")
        pytest.skip(f"no operation of the part {part} may be sent in this run")
    workers = 1 if target.is_mock or target.allow_writes else PARALLEL_READS

    def run(result) -> tuple[str, BaseException | None]:
        if not isinstance(result, Ok):
            error = result.err()
            return f"{error.method or ''} {error.path}".strip(), _outcome(error.as_failing_test_function())
        operation, test = result.ok()
        return operation.label, _outcome(lambda: test(fuzz_session=fuzz_session))

    if workers == 1:
        outcomes = [run(result) for result in tests]
    else:
        # the operations with the most parameters (the most cases to send) start first, so that the
        # longest does not start last; the outcomes are reported in the document's order
        order = sorted(range(len(tests)), key=lambda i: -_parameter_count(tests[i]))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            started = {i: pool.submit(TURNS.taking, run, tests[i]) for i in order}
            outcomes = [started[i].result() for i in range(len(tests))]
    for label, error in outcomes:
        with subtests.test(msg=label):
            if isinstance(error, FailureGroup):
                raise as_reported_failure(error) from None
            if isinstance(error, SkipTest):
                pytest.skip(str(error))
            if error is not None:
                raise error


def _parameter_count(result) -> int:
    if not isinstance(result, Ok):
        return 0
    operation, _test = result.ok()
    return len(operation.definition.raw.get("parameters", []))


def _outcome(test) -> BaseException | None:
    try:
        test()
    except BaseException as failed:  # reported in the operation's subtest, in order
        return failed
    return None


class Turns:
    """Side by side, but one at a time wherever it is not waiting for the backend: a worker holds its
    turn while Hypothesis and Schemathesis draw a case (that is not safe in two threads at once: Python
    3.11's ast, Hypothesis' caches), and gives it up while the drawn case is sent and its answer
    checked (``_call_and_validate``). The latency overlaps; the drawing never does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mine = threading.local()

    def taking(self, work, *args):
        with self._lock:
            self._mine.held = True
            try:
                return work(*args)
            finally:
                self._mine.held = False

    @contextlib.contextmanager
    def waiting(self):
        """The turn given up while the caller waits (nothing when it holds none: a run one operation
        after the other takes no turns)."""
        if not getattr(self._mine, "held", False):
            yield
            return
        self._mine.held = False
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._mine.held = True


TURNS = Turns()


@pytest.fixture(scope="session")
def fuzz_session(target: Target):
    """One session for every call of the fuzz: one connection pool against a backend (as large as the
    reads sent at once); in-process, the suite's own client into the app (no thread per request),
    without reading the environment's proxy settings on every call."""
    if target.mode == "in-process":
        session = in_process_session(target.client)
    else:
        session = requests.Session()
        pool = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=PARALLEL_READS)
        session.mount("http://", pool)
        session.mount("https://", pool)
    with session:
        yield session


def test_stateful_links(api_schema, target: Target, contract_seed):
    if not target.is_mock and not (target.allow_writes and target.allow_distribution):
        skip_for("--allow-distribution", "stateful sequences write and queue (with --allow-writes)")
    machine = api_schema.as_state_machine()
    if target.is_mock:
        machine = from_the_fixtures(machine, target)
    machine = seed(contract_seed)(machine)  # the run's seed (``contract_tests.seed``): replayable
    machine.run(
        settings=settings(
            max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=list(HealthCheck)
        )
    )


def from_the_fixtures(machine: type, target: Target) -> type:
    """On the mock, every sequence starts from the fixtures at the suite's frozen instant: a sequence's
    answers then depend on its own calls only, as Hypothesis needs to replay it (state left by an
    earlier sequence made the same draws meet other answers, "inconsistent data generation")."""

    class FromTheFixtures(machine):
        def setup(self) -> None:
            target.control.reset()

    return FromTheFixtures
