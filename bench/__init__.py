"""Benchmarks (see run.py)."""

import mock_server  # noqa: F401  (first: it silences Connexion's import-time deprecation notices)
