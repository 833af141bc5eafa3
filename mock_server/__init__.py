"""A stateful mock of the Multi-Slot Distribution admin API, built from its OpenAPI contract."""

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
