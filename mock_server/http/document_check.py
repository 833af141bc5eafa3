"""Connexion's check of each document against the OpenAPI 3 schema, done once per distinct document.

Connexion checks a document every time an app is built from it, which is most of what building an app
costs, paid again by every ``novunt-mock serve`` and by every app a test run builds. Its verdict
depends only on the document and on the checker: a document that passed
is remembered by a digest of both, in this process and as an empty file named by that digest in the
user's cache folder (``$XDG_CACHE_HOME/novunt-mock``, else ``~/.cache/novunt-mock``), so later builds
and later starts skip it. A document that fails is never remembered: it is checked, and refused, every
time. An edited document has another digest, so it is checked again. A cache folder that cannot be
written is no error: the check is then done each time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from connexion.spec import OpenAPISpecification

_passed: set[str] = set()
_building = threading.Lock()


@functools.cache
def _checker() -> str:
    """What the verdict depends on besides the document: the versions of the checker."""
    parts = []
    for package in ("connexion", "jsonschema"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} ?")
    return ", ".join(parts)


def cache_folder() -> Path | None:
    """Where passed documents are remembered between processes; None when there is no home to put it in."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):  # no home directory known (``~`` left as it is): remembered in-process only
        return None
    return Path(base) / "novunt-mock" / "checked-documents"


def digest(document: dict) -> str:
    text = json.dumps(document, sort_keys=True, default=str)
    return hashlib.sha256(f"{_checker()}\n{text}".encode()).hexdigest()


def _remembered(key: str) -> bool:
    if key in _passed:
        return True
    folder = cache_folder()
    with contextlib.suppress(OSError):
        if folder is not None and (folder / key).is_file():
            _passed.add(key)
            return True
    return False


def _remember(key: str) -> None:
    _passed.add(key)
    folder = cache_folder()
    with contextlib.suppress(OSError):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / key).touch()


@contextlib.contextmanager
def checked_once() -> Iterator[None]:
    """While an app is built: Connexion's check, skipped for a document that passed it before."""
    with _building:  # one build at a time stands in for the check, and puts back what it found
        check = OpenAPISpecification._validate_spec  # bound to the class: check(spec) raises on a bad document
        own = vars(OpenAPISpecification).get("_validate_spec")

        def once(cls, document: dict) -> None:
            key = digest(document)
            if not _remembered(key):
                check(document)
                _remember(key)

        OpenAPISpecification._validate_spec = classmethod(once)
        try:
            yield
        finally:
            if own is None:
                del OpenAPISpecification._validate_spec
            else:
                OpenAPISpecification._validate_spec = own
