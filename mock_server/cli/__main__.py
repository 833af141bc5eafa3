"""``python -m mock_server.cli``: the same as ``novunt-mock``."""

from .main import main

raise SystemExit(main())
