"""One rule for the media type a stored file is served with, whoever supplied it (a browser upload,
Slack's `mimetype`, a mail part): `type/subtype` in RFC 6838's characters, or nothing.

A value with CR/LF or other bytes outside that grammar used to reach the `Content-Type` header of
the download and break it; anything not matching is now `application/octet-stream`.
"""

from __future__ import annotations

import re

FALLBACK = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}")


def clean_media_type(value: str | None) -> str:
    """The type and subtype alone (parameters dropped), lower-cased; the fallback otherwise."""
    if not value:
        return FALLBACK
    essence = value.split(";", 1)[0].strip()
    return essence.lower() if _MEDIA_TYPE.fullmatch(essence) else FALLBACK
