"""Slack's text rules in one place: escaping what we post, reading what people wrote.

https://api.slack.com/reference/surfaces/formatting#escaping: in mrkdwn only `&`, `<` and `>` are
control characters. Escaping them in everything a person wrote means a comment cannot ping
`<!channel>`, forge a link or a mention, or break the message's markup.
"""

from __future__ import annotations

import re

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ANGLE = re.compile(r"<([^<>]*)>")
ELLIPSIS = "…"


def escape(text: str) -> str:
    for raw, entity in _ESCAPES:
        text = text.replace(raw, entity)
    return text


def unescape(text: str) -> str:
    for raw, entity in reversed(_ESCAPES):
        text = text.replace(entity, raw)
    return text


def _plain_reference(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@", "#")):
        return f"{target[0]}{label}" if label else target
    if target.startswith("!"):
        # <!here>, <!channel>, <!subteam^S123|@team>, <!date^…|fallback>
        return label or f"@{target[1:].split('^', 1)[0]}"
    if label and label != target:
        return f"{label} ({target})"
    return target


def to_plain(mrkdwn: str) -> str:
    """What a person typed, as plain text for a ticket: links as `label (url)`, mentions as `@U123`."""
    return unescape(_ANGLE.sub(_plain_reference, mrkdwn or "")).strip()


def first_line(text: str, limit: int) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return cut(" ".join(line.split()), limit)
    return ""


def cut(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when something was dropped."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def quote(text: str) -> str:
    """A block quote in mrkdwn, of text already escaped."""
    return "\n".join(f">{line}" for line in text.splitlines() or [""])
