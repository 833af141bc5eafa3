"""``novunt-mock``: one module per command (main.py holds the options and which module runs each)."""

from .main import COMMANDS, main

__all__ = ["COMMANDS", "main"]
