"""The JUnit file of a run of the suite: cases named as the catalogue names them, the run recorded
(target, mode, seed and how to replay it, contract version), and totals that count its testcases.

pytest counts each subtest's report as one more test (the fuzz reports each operation as a subtest)
while it writes one testcase per test: a read-only run wrote ``tests="206"`` over 190 testcases. Once
pytest has written the file, its totals are counted again from the testcases it holds.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

OUTCOMES = ("failure", "error", "skipped")


def junit_of(config: pytest.Config):
    """pytest's JUnit writer of this run (None: no ``--junitxml``, or an xdist worker)."""
    from _pytest.junitxml import xml_key

    return config.stash.get(xml_key, None)


def name_case(config: pytest.Config, nodeid: str, name: str) -> None:
    xml = junit_of(config)
    if xml is not None:
        xml.node_reporter(nodeid).add_attribute("name", name)


def record(config: pytest.Config, properties: dict[str, str]) -> None:
    xml = junit_of(config)
    if xml is not None:
        for name, value in properties.items():
            xml.add_global_property(name, value)


def recount(path: Path) -> None:
    """Set each test suite's totals to what its testcases hold: one per testcase, each failed, in error
    or skipped once (a failure takes precedence over a skip, as in pytest's own counts)."""
    tree = ElementTree.parse(path)
    for suite in tree.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        found = {outcome: 0 for outcome in OUTCOMES}
        for case in cases:
            held = [outcome for outcome in OUTCOMES if case.find(outcome) is not None]
            if held:
                found[held[0]] += 1
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(found["failure"]))
        suite.set("errors", str(found["error"]))
        suite.set("skipped", str(found["skipped"]))
    tree.write(path, encoding="utf-8", xml_declaration=True)


@pytest.hookimpl(trylast=True)  # after pytest's own writer has written the file
def pytest_sessionfinish(session: pytest.Session) -> None:
    from .summary import SUMMARY

    xml = junit_of(session.config)
    summary = session.config.stash.get(SUMMARY, None)
    if xml is not None and summary is not None and summary.ran_any() and Path(xml.logfile).is_file():
        recount(Path(xml.logfile))
