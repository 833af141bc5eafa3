"""A stateful mock of the Multi-Slot Distribution admin API, built from its OpenAPI contract.

PYTEST_DONT_REWRITE: this module has no asserts, and ``novunt-mock verify`` has imported the package
before it starts pytest (which would otherwise say, in every run, that it came too late to rewrite them).
"""

import warnings

__version__ = "0.1.0"

# Connexion imports Starlette's test client and jsonschema's RefResolver at import time; their
# deprecation notices concern Connexion, not anyone running this package.
for _message in (
    "Using `httpx` with `starlette.testclient`",
    "jsonschema.RefResolver",
    "jsonschema.exceptions.RefResolutionError",
):
    warnings.filterwarnings("ignore", message=f".*{_message}.*")
