"""``watch``: a backend watched through the day, read-only, with alerts on transitions and metrics.

One module a job: ``reading`` (the GETs of one poll), ``pacing`` (when the next one is), ``checks``
(what one poll shows), ``tracking`` (what only polls in a row show), ``alerts`` (problems starting and
clearing), ``events`` (the monitors and what is said), ``sinks``/``webhook``/``metrics``/``report`` (the
outputs), ``watcher`` (the loop), ``cli`` (the command). The suite's read-only monitors are
``contract_tests.monitors``, the same code the contract cases run.
"""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
