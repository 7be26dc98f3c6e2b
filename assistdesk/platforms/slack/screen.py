"""What `POST /slack/events` checks before Bolt reads a byte: the signature first, then the shape.

Bolt parses the body before it verifies the signature, so a malformed body (`{{{`, a non-numeric
timestamp header, a thousand nested brackets) used to end in a 500 with a traceback, signed or not.
Here the order is the one the platform asks for (https://api.slack.com/authentication/verifying-requests-from-slack):
anything unsigned or unverifiable is 401; a correctly signed body that is not what Slack sends
(not a JSON object, a `payload` field that is not one, nesting deeper than Slack ever sends) is 400
and never reaches a listener. Both are plain answers: no traceback is logged for them.

The same functions serve the fuzz targets in `tests/abuse/`, which is why they take bytes and a
header mapping and return a verdict instead of raising.

This is the only signature check: Bolt's own (it would compute the same HMAC again) is switched off
(platforms/slack/app.py), and a JSON body parsed here is handed to Bolt as it is (`Verdict.body`),
so that an event is verified once and parsed once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

WINDOW_SECONDS = 300  # Slack's own rule: refuse requests older (or newer) than five minutes
MAX_DEPTH = 32  # Slack's deepest payloads (views with rich text) nest about 15 levels

UNSIGNED = "the request carries no Slack signature"
STALE = "the request's timestamp is not within five minutes of now"
BAD_SIGNATURE = "the Slack signature does not match the body"
NOT_JSON = "the body is not a JSON object"
NOT_FORM = "the form's payload field is not a JSON object"
TOO_DEEP = "the body nests deeper than Slack sends"
NOT_TEXT = "the body is not UTF-8"


@dataclass(frozen=True)
class Verdict:
    """`status` is 200 when the request may go on to Bolt; otherwise the answer to give. `body` is
    the JSON object a passed JSON body parsed to (None for forms: Bolt reads those itself)."""

    status: int
    reason: str = ""
    body: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.status == 200


PASS = Verdict(200)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return headers.get(name) if name in headers else headers.get(name.lower())


def check_signature(headers: Mapping[str, str], body: bytes, *, secret: str, now: float) -> Verdict:
    """v0 signature over `v0:{timestamp}:{body}`, compared in constant time, within the window."""
    timestamp = _header(headers, "X-Slack-Request-Timestamp")
    given = _header(headers, "X-Slack-Signature")
    if not timestamp or not given:
        return Verdict(401, UNSIGNED)
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return Verdict(401, STALE)
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        return Verdict(401, STALE)
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.digest(secret.encode(), base, hashlib.sha256).hex()  # one-shot: no HMAC object
    if not hmac.compare_digest(expected.encode(), given.strip().encode("utf-8", "replace")):
        return Verdict(401, BAD_SIGNATURE)
    return PASS


def depth_of(value: Any) -> int:
    """How deep lists and objects nest, walked without recursion (a deep body must not blow the stack)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _object(text: str, reason: str) -> Verdict:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return Verdict(400, reason)
    if not isinstance(value, dict):
        return Verdict(400, reason)
    # Nothing nests deeper than the brackets that open it: most events have fewer than MAX_DEPTH in
    # all (a count in C), and only the others are walked.
    if text.count("{") + text.count("[") > MAX_DEPTH and depth_of(value) > MAX_DEPTH:
        return Verdict(400, TOO_DEEP)
    return Verdict(200, body=value)


def check_shape(content_type: str, body: bytes) -> Verdict:
    """Events come as JSON objects; commands and interactivity as forms, the latter with a JSON
    object in `payload` (https://api.slack.com/interactivity/handling#payloads)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict(400, NOT_TEXT)
    if content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded":
        try:
            fields = parse_qs(text, keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            return Verdict(400, NOT_FORM)
        payloads = fields.get("payload")
        if payloads is None:
            return PASS  # a slash command: flat fields, Bolt reads them as strings
        if len(payloads) != 1:
            return Verdict(400, NOT_FORM)
        form = _object(payloads[0], NOT_FORM)
        return form if not form.passed else PASS  # Bolt parses the form (and its payload) itself
    return _object(text, NOT_JSON)


def screen(headers: Mapping[str, str], body: bytes, *, content_type: str, secret: str, now: float) -> Verdict:
    """Signature first (so nothing unsigned is even parsed), then the shape."""
    signed = check_signature(headers, body, secret=secret, now=now)
    if not signed.passed:
        return signed
    return check_shape(content_type, body)
