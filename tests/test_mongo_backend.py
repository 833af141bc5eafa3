"""The same contract suite against a real MongoDB through pymongo, where one is reachable.

Set MOCK_MONGO_URI (default probe: mongodb://127.0.0.1:27017). Skipped with the reason otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pymongo
import pytest

URI = os.environ.get("MOCK_MONGO_URI", "mongodb://127.0.0.1:27017")


def reachable(uri: str) -> str | None:
    try:
        pymongo.MongoClient(uri, serverSelectionTimeoutMS=1500).admin.command("ping")
    except Exception as exc:  # any failure to reach it is a reason to skip
        return f"no MongoDB reachable at {uri} ({type(exc).__name__}); set MOCK_MONGO_URI to run this"
    return None


@pytest.mark.mongo
def test_contract_suite_on_a_real_mongodb():
    reason = reachable(URI)
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "MOCK_MONGO_URI": URI}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "contract_tests", "--serve-mock", "-q", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
