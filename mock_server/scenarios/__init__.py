"""Scenarios: named states of the admin pages, each built by the mock's own operations.

A scenario is a file (YAML): where the reset starts, then steps, each one operation of the mock
with the body that operation takes (``files`` reads and checks them; the built-in ones are in
``builtin/``). ``builder`` runs the steps through the same handlers the contract and control routes
use, on a snapshot it restores when a step is refused, so nothing is ever half-built.
"""
