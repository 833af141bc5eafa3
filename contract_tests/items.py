"""Which of a run's items are the suite's, and what the suite adds to those alone: its marker (so that
reports, which xdist's workers send without their items, still say whose they are), the warning
filters for the libraries it uses, and on a pytest-xdist worker its fuzz first among them.

Nothing here touches another item: installing the package changes nothing in a run of other tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent
FUZZ = PACKAGE / "fuzz"
MARK = "contract_suite"
# Deprecations raised inside the libraries the suite drives (Starlette's TestClient on httpx in an ASGI
# mock, jsonschema's RefResolver in Schemathesis), and pytest's word that the subtests the fuzz reports
# through are experimental: nothing of the backend's, nothing the person running the suite can mend.
# Applied to the suite's own items only, as their ``filterwarnings`` marks: a user's tests see their own.
FILTERS = (
    "ignore:.*Using `httpx` with `starlette.testclient`.*",
    "ignore:.*jsonschema.RefResolver.*",
    "ignore:.*RefResolutionError.*",
    "ignore::pytest.PytestExperimentalApiWarning",
)


def in_suite(path: Path | str) -> bool:
    """Whether a test file is one of this package's."""
    return Path(path).resolve().is_relative_to(PACKAGE)


def is_suite_report(report: pytest.TestReport) -> bool:
    """Whether a report (from this process or an xdist worker) is of one of the suite's items."""
    return MARK in getattr(report, "keywords", {})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARK}: one of the contract suite's tests (added by its plugin)")


@pytest.hookimpl(tryfirst=True)  # before the safety gates read the suite's items
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suite = [item for item in items if in_suite(item.path)]
    for item in suite:
        item.add_marker(MARK)
        for rule in FILTERS:
            item.add_marker(pytest.mark.filterwarnings(rule))
    if suite and hasattr(config, "workerinput"):
        fuzz_first(items, {id(item) for item in suite if item.path.resolve().is_relative_to(FUZZ)})


def fuzz_first(items: list[pytest.Item], fuzz: set[int]) -> None:
    """On a pytest-xdist worker (its items are handed out in this order): the suite's fuzz parts,
    seconds each, first, so that the cases, a fraction of a second each, fill in around them instead
    of leaving one core fuzzing alone at the end. Every other item keeps its place relative to the rest."""
    if fuzz:
        items.sort(key=lambda item: id(item) not in fuzz)  # stable
