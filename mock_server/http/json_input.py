"""JSON from a client, refused before it can hurt: strict numbers, bounded nesting, storable text.

Python's parser accepts ``NaN``, recurses until it overflows the stack on deep nesting, and keeps a
lone UTF-16 surrogate (``"\\ud800"``) that nothing can encode later. Each of those would otherwise
become a 500 somewhere else; here it is a ``ValueError`` naming where, for a 400.
"""

from __future__ import annotations

import json

MAX_DEPTH = 64


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _where(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the body"


def _storable(text: str, path: list) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{_where(path)}: contains a lone UTF-16 surrogate, which no text can hold") from None


def _check(value, path: list, depth: int) -> None:
    """Depth and text of a parsed value. Recursive: it stops at ``MAX_DEPTH``, far below the stack's limit."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{_where(path)}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        _storable(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, path)
            _check(item, [*path, key], depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, [*path, index], depth + 1)


def load(raw: str | bytes):
    """Parse client JSON; ``ValueError`` (message naming where) for anything that is not plain JSON."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    _check(value, [], 1)
    return value
