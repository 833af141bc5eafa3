"""Handlers of the mock's own ``/__mock/`` routes, one module per tag of ``openapi/control.yaml``: the
page, the clock, the state (reset, stakes, exports), faults, identities (tokens, TOTP codes) and the
request journal; ``instants`` is the clock as they read and show it. (Scenarios: ``handlers.scenarios``.)"""
