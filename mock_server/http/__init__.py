"""The HTTP layer: what happens to a request around its handler (security, validation, errors, the journal)."""
