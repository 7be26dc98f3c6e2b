"""Posting one webhook delivery and classifying the answer.

Receivers verify `X-Assistdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
and deduplicate on `X-Assistdesk-Delivery`, which is the same on every retry of one delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, RetryAfter, TransientFailure
from assistdesk.platforms.http import parse_retry_after
from assistdesk.platforms.webhook.destinations import REFUSED, Refused, literal_refused
from assistdesk.urls import without_credentials

if TYPE_CHECKING:
    import aiohttp

SIGNATURE_HEADER = "X-Assistdesk-Signature"
DELIVERY_HEADER = "X-Assistdesk-Delivery"
EVENT_HEADER = "X-Assistdesk-Event"
MAX_ANSWER_BYTES = 64 * 1024  # the answer's body is read (to reuse the connection), never kept


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: float = 300.0, now: float | None = None
) -> bool:
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def _refused(exc: BaseException) -> bool:
    """aiohttp wraps the resolver's refusal; look through the chain for it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Refused) or isinstance(getattr(seen, "os_error", None), Refused):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


async def post(
    session: aiohttp.ClientSession,
    *,
    url: str,
    secret: str,
    body: dict[str, Any],
    event: str,
    delivery_id: str,
    within: float = 10.0,
    allow_private: bool = False,
) -> Outcome:
    """POST one signed delivery; the URL in a failure's reason is shown without its credentials."""
    import aiohttp

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return PermanentFailure(f"{without_credentials(url)}: not a URL")
    if not allow_private and literal_refused(host):
        return PermanentFailure(f"{without_credentials(url)}: {REFUSED.format(host=host)}")
    raw = encode(body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "assistdesk-webhooks/1",
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(secret, int(time.time()), raw),
    }
    try:
        async with session.post(
            url, data=raw, headers=headers, timeout=aiohttp.ClientTimeout(total=within), allow_redirects=False
        ) as response:
            status = response.status
            retry_after = response.headers.get("Retry-After")
            await response.content.read(MAX_ANSWER_BYTES)
    except TimeoutError:
        return TransientFailure(f"{without_credentials(url)}: timed out")
    except aiohttp.InvalidURL:
        return PermanentFailure(f"{without_credentials(url)}: not a valid URL")
    except aiohttp.ClientConnectorError as exc:
        if _refused(exc):
            return PermanentFailure(f"{without_credentials(url)}: {REFUSED.format(host=host)}")
        return TransientFailure(f"{without_credentials(url)}: could not connect")
    except (aiohttp.ClientError, ValueError) as exc:
        return TransientFailure(f"{without_credentials(url)}: {type(exc).__name__}")
    if 200 <= status < 300:
        return Delivered()
    shown = without_credentials(url)
    if status == 429 or (status == 503 and retry_after):
        return RetryAfter(parse_retry_after(retry_after), reason=f"{shown}: HTTP {status}")
    if status in (408, 425) or status >= 500:
        return TransientFailure(f"{shown}: HTTP {status}")
    return PermanentFailure(f"{shown}: HTTP {status}")
