"""A stateful mock of the Multi-Slot Distribution admin API, built from its OpenAPI contract."""

__version__ = "0.1.0"
