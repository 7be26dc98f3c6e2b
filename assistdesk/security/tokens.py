"""API tokens: random, shown once, stored as a SHA-256 digest.

A 256-bit random token needs no slow hash (there is nothing to brute-force), and a fast digest keeps
authentication off the request's critical path.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "adk_"  # noqa: S105 (a marker, not a secret)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 6]
