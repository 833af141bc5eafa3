"""Around the mock: the validating proxy, and the pytest fixtures an app's own tests use."""
