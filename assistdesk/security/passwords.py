"""Agent passwords, hashed with argon2id."""

from __future__ import annotations

import contextlib
import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _stand_in() -> str:
    """A hash of nothing anyone knows, verified when there is no account: signing in as an unknown
    email then costs the same argon2 work as a wrong password, so timing does not tell which agent
    emails exist (it took 6 ms against 185 ms)."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_stand_in(), password)
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
