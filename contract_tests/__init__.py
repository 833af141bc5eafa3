"""Contract suites for the Multi-Slot Distribution admin API (pytest plugin + cases).

PYTEST_DONT_REWRITE: this module has no asserts, and ``novunt-mock verify`` imports the package before
it starts pytest (which would otherwise say, in every run, that it came too late to rewrite them).
"""
