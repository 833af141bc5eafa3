"""Tests whose subject is a served process: start-up, restarts, the CLI, the proxy, the page in a browser, watch."""
