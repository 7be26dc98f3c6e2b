"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import binascii

from assistdesk.errors import Invalid

MAX_ID = 2**63  # every id column is a signed 64-bit integer


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, value = raw.partition(":")
        if version != "v1":
            raise ValueError(version)
        found = int(value)
        if not 0 <= found < MAX_ID:
            raise ValueError(value)
        return found
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor is not one this API returned", field="cursor") from None
