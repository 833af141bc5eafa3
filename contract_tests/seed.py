"""The run's seed: the fuzz's (Schemathesis draws each operation's examples from it) and the stateful
sequences' (Hypothesis), one number for the whole run, recorded in the report and the JUnit file so
that the run can be replayed with ``--hypothesis-seed=SEED``.

``--hypothesis-seed`` when given; otherwise drawn once per run (on the controller, and handed to each
pytest-xdist worker, so that every part of the fuzz draws from the same seed). Drawing it sets nothing
of Hypothesis's: a run of other tests is not affected.
"""

from __future__ import annotations

import random

import pytest

SEED = pytest.StashKey[int | str]()
WORKER_KEY = "contract_seed"


def drawn() -> int:
    return random.SystemRandom().randrange(2**32)


def of(given: object) -> int | str:
    """A seed as Hypothesis takes ``--hypothesis-seed``: a number when it reads as one."""
    text = str(given)
    return int(text) if text.lstrip("-").isdigit() else text


def pytest_configure(config: pytest.Config) -> None:
    given = config.getoption("hypothesis_seed", None)
    worker = getattr(config, "workerinput", {})
    if given is not None:
        config.stash[SEED] = of(given)
    elif WORKER_KEY in worker:
        config.stash[SEED] = worker[WORKER_KEY]
    else:
        config.stash[SEED] = drawn()


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's, when it is installed
def pytest_configure_node(node) -> None:
    node.workerinput[WORKER_KEY] = node.config.stash[SEED]


def run_seed(config: pytest.Config) -> int | str:
    return config.stash.get(SEED, 0)


def replay(seed: int | str) -> str:
    """How to draw the same examples again: pytest's option (``novunt-mock verify`` passes it on;
    ``novunt-mock fuzz`` takes ``--seed``)."""
    return f"--hypothesis-seed={seed}"


@pytest.fixture(scope="session")
def contract_seed(request: pytest.FixtureRequest) -> int | str:
    """The run's seed (see the module)."""
    return run_seed(request.config)
