"""Contract suites for the Multi-Slot Distribution admin API (pytest plugin + cases)."""
