"""pytest plugin entry point (filled in by the contract-suites work)."""
