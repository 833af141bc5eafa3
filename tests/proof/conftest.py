"""Fixtures of the proofs: independent backends, started on demand and stopped after the test."""

from __future__ import annotations

import pytest

from .test_verifier_on_independent_backend import Independent


@pytest.fixture
def backend():
    started: list[Independent] = []

    def start(*faults: str) -> Independent:
        started.append(Independent(*faults))
        return started[-1]

    yield start
    for one in started:
        one.stop()
