"""``python -m mock_server [serve options]``: the same as ``novunt-mock serve``."""

import sys

from .cli import COMMANDS, main

if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args if args and args[0] in {*COMMANDS, "watch", "-h", "--help"} else ["serve", *args]))
