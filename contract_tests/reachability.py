"""Whether a URL can be the suite's target, asked with the standard library's HTTP client only.

``novunt-mock verify`` asks this before it starts pytest in the same process: an HTTP library imported
first (httpx loads anyio, a pytest plugin) could no longer have its asserts rewritten by pytest, which
would say so in every run; and this module is no pytest plugin of the suite's, for the same reason.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urlsplit


def unreachable(url: str, timeout: float = 10) -> str | None:
    """Why ``url`` cannot be a target (a bad URL, nothing listening), or None when it answers (any
    HTTP status)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{url!r} is not an http(s) URL (e.g. https://staging.example.com)"
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/cron-status", timeout=timeout):
            return None
    except urllib.error.HTTPError:  # any HTTP status: something answers
        return None
    except urllib.error.URLError as exc:
        why = exc.reason
    except (OSError, ValueError) as exc:  # a timeout, a reset, a port out of range
        why = exc
    name = "timeout" if isinstance(why, TimeoutError) else type(why).__name__
    return f"cannot reach {url}: {name}: {why}".splitlines()[0]
