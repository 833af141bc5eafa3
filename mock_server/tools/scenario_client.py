"""Scenarios on a running mock, for an app's own end-to-end tests (the ``mock_scenario`` fixture).

    def test_the_failed_slot_card_offers_force_reset(mock_scenario, page):
        mock_scenario("slot-failed")  # reset, then one FAILED slot with its error
        ...  # drive the admin app: its status card shows slot 2 failed

A built-in scenario by name, or a scenario file by path (its content is sent). The fixture talks to
``MOCK_URL`` (default ``http://127.0.0.1:5000``); ``MOCK_CONTROL_TOKEN`` when the mock has one.
"""

from __future__ import annotations

import json
from pathlib import Path

from .journal_client import control_client


class ScenarioRefused(AssertionError):
    """The mock refused the scenario (its one-line reason)."""


class Scenarios:
    def __init__(self, url: str | None = None, control_token: str | None = None) -> None:
        self.client = control_client(url, control_token, timeout=60)  # a week of history takes seconds

    def __call__(self, scenario: str | Path, *, start: str | None = None) -> dict:
        """Reset the mock and build ``scenario`` (from ``start``, an ISO instant or ``now``, when
        given); what was built: ``{name, title, now, frozen, steps}``."""
        options = {"start": start} if start else {}
        if isinstance(scenario, str) and scenario in self.names():
            response = self.client.post(f"/scenarios/{scenario}", json=options)
        else:
            from ..scenarios.files import parse

            content = parse(Path(scenario).read_text(encoding="utf-8"), str(scenario))
            response = self.client.post("/scenarios", json=json.loads(json.dumps({**content, **options}, default=str)))
        if not response.is_success:
            raise ScenarioRefused(f"{scenario}: {response.json().get('message')} ({response.status_code})")
        return response.json()

    def names(self) -> list[str]:
        return [s["name"] for s in self.list()]

    def list(self) -> list[dict]:
        """The mock's built-in scenarios (name, title, page, state, profile, start)."""
        return self.client.get("/scenarios").raise_for_status().json()["scenarios"]

    def close(self) -> None:
        self.client.close()
