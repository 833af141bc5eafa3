"""What the ``novunt-mock`` commands share: the defaults, and a refusal as one line with exit 2."""

from __future__ import annotations

import sys

from ..settings import Settings

DEFAULTS = Settings()  # every option's default, from the one place that states it
DEFAULT_URL = f"http://{DEFAULTS.host}:{DEFAULTS.port}"


def fail(command: str, reason: object) -> int:
    """``novunt-mock COMMAND: error: REASON`` on stderr; exit status 2."""
    print(f"novunt-mock {command}: error: {reason}", file=sys.stderr, flush=True)
    return 2
