"""Showing a URL someone configured without the credentials it may carry.

A webhook URL such as `https://user:token@hooks.example/in` is stored as given (the receiver needs
it), but errors, lists and pages show `https://***@hooks.example/in`: a delivery's `last_error` is
visible to every admin and ends up in logs.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def without_credentials(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "(an unparsable URL)"
    if not (parts.username or parts.password) or host is None:
        return url
    shown = f"[{host}]" if ":" in host else host
    netloc = f"***@{shown}" + (f":{port}" if port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
