"""The documents' routes: which operation a concrete request names, and which methods a path has.

The one place where path templates become patterns and where the HTTP methods of an operation are
listed; used by the 405 handler (``Allow``) and by the security check (the operation's roles and
2FA rule), so neither leans on Connexion's private routing state.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

METHODS = ("get", "put", "post", "patch", "delete")


def template_pattern(template: str) -> re.Pattern[str]:
    """``/a/{id}/b`` -> a pattern matching ``/a/<one segment>/b`` (and a trailing slash)."""
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.compile(f"^{pattern}/?$")


def operations(document: dict) -> Iterable[tuple[str, str, dict]]:
    """(path template, method, operation) of every operation of a document."""
    for template, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield template, method, item[method]


class Routes:
    """Concrete method + path -> operationId, and path -> allowed methods, for the served documents."""

    def __init__(self, documents: Iterable[tuple[str, dict]]) -> None:
        self._routes: list[tuple[re.Pattern[str], dict[str, str]]] = []
        self._templates: list[str] = []  # every path template, with its document's base
        for base, document in documents:
            by_template: dict[str, dict[str, str]] = {}
            for template, method, operation in operations(document):
                by_template.setdefault(base + template, {})[method.upper()] = operation["operationId"]
            self._routes += [(template_pattern(t), methods) for t, methods in by_template.items()]
            self._templates += list(by_template)
        # every request asks (security, journal, faults): the answer per path is remembered, a
        # bounded number of paths (dates in paths and made-up paths are many)
        self._methods = functools.lru_cache(maxsize=2048)(self._match)

    def _match(self, path: str) -> dict[str, str]:
        for pattern, methods in self._routes:
            if pattern.match(path):
                return methods
        return {}

    def allowed(self, path: str) -> list[str]:
        found = self._methods(path)
        return [*sorted(found), "OPTIONS"] if found else []

    def operation_id(self, method: str, path: str) -> str | None:
        return self._methods(path).get(method.upper())

    def templates(self) -> list[str]:
        return list(self._templates)

    def path_params(self, path: str) -> dict[str, str]:
        """The path parameters of a concrete path, by the template that matches it (an error handler
        sees the request before Connexion's routing has put them in the scope)."""
        for template in self._templates:
            if "{" in template and template_pattern(template).match(path):
                pairs = zip(template.strip("/").split("/"), path.strip("/").split("/"), strict=False)
                return {t[1:-1]: given for t, given in pairs if t.startswith("{") and t.endswith("}")}
        return {}
