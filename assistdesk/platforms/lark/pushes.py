"""Verifying what Lark pushes to `POST /lark/events`: signature, decryption, verification token.

The scheme (https://open.larksuite.com/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/encrypt-key-encryption-configuration-case):
- with an Encrypt Key, the body is `{"encrypt": base64(iv + AES-256-CBC(SHA256(key), json))}` and
  `X-Lark-Signature` = hex SHA-256 of timestamp + nonce + encrypt key + the raw body bytes;
- every push carries the Verification Token (`header.token`, or `token` in 1.0 bodies and challenges);
- the `url_verification` challenge may arrive without signature headers and must be echoed in 1 s.

lark-oapi's `EventDispatcherHandler.do` does these checks too, but answers every failure (and every
event type without a registered handler) with HTTP 500, which makes Lark retry for hours; here each
failure is a `Rejected` with the status it deserves, and decryption is lark-oapi's own `AESCipher`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lark_oapi.core.utils import AESCipher

TIMESTAMP_HEADER = "X-Lark-Request-Timestamp"
NONCE_HEADER = "X-Lark-Request-Nonce"
SIGNATURE_HEADER = "X-Lark-Signature"

NOT_JSON = "the body is not a JSON object"
NO_KEY = "an encrypted push arrived but LARK_ENCRYPT_KEY is not set"
BAD_SIGNATURE = "X-Lark-Signature does not match the body"
UNSIGNED = "a push other than url_verification arrived without X-Lark-Signature"
UNDECRYPTABLE = "the push cannot be decrypted with LARK_ENCRYPT_KEY"
BAD_TOKEN = "the verification token does not match LARK_VERIFICATION_TOKEN"  # noqa: S105
UNVERIFIABLE = "set LARK_ENCRYPT_KEY or LARK_VERIFICATION_TOKEN to accept pushes"
STALE = "X-Lark-Request-Timestamp is not within five minutes of now"
TOO_DEEP = "the push nests deeper than Lark sends"

# Slack's rule, applied to Lark's signed timestamp: a captured push cannot be replayed after five
# minutes, and within them the event id is a receipt kept for a day (runtime.RECEIPT_RETENTION).
WINDOW_SECONDS = 300
MAX_DEPTH = 32


class Rejected(Exception):
    """A push we refuse; nothing was read from it beyond what the check needed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Push:
    """A verified push: its decrypted JSON, and whether it is the URL challenge."""

    body: dict[str, Any]
    plaintext: str

    @property
    def challenge(self) -> str | None:
        if self.body.get("type") == "url_verification":
            return str(self.body.get("challenge", ""))
        return None


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def header(headers: Mapping[str, str], name: str) -> str | None:
    """Header lookup regardless of case: ASGI servers and HTTP/2 proxies lower-case names."""
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def verify(
    headers: Mapping[str, str],
    raw: bytes,
    *,
    encrypt_key: str | None,
    verification_token: str | None,
    now: float | None = None,
) -> Push:
    """The push's JSON once it is proven to come from Lark; raises Rejected otherwise.

    The signature is checked before the body is parsed, so an unsigned `{{{` is a 401, not a 400."""
    if not encrypt_key and not verification_token:
        raise Rejected(401, UNVERIFIABLE)
    signed = _check_signature(headers, raw, encrypt_key, time.time() if now is None else now)
    try:
        outer = _json_object(raw)
    except Rejected as refused:
        # Unsigned and unreadable: nothing proves it came from Lark, so it is not "malformed" (400).
        raise Rejected(refused.status if signed else 401, refused.reason) from None
    if "encrypt" in outer:
        if not encrypt_key:
            raise Rejected(400, NO_KEY)
        try:
            plaintext = AESCipher(encrypt_key).decrypt_str(str(outer["encrypt"]))
        except (ValueError, UnicodeDecodeError) as exc:
            raise Rejected(400 if signed else 401, UNDECRYPTABLE) from exc
        body = _json_object(plaintext.encode())
        encrypted = True
    else:
        plaintext, body, encrypted = raw.decode("utf-8", "replace"), outer, False
    is_challenge = body.get("type") == "url_verification"
    if encrypt_key and not signed and not is_challenge:
        raise Rejected(401, UNSIGNED)
    # Decrypting with the Encrypt Key proves the sender knows it (the unsigned challenge case).
    _check_token(body, verification_token, required=not (signed or encrypted))
    return Push(body=body, plaintext=plaintext)


def _depth(value: Any) -> int:
    """How deep lists and objects nest, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Rejected(400, NOT_JSON) from exc
    if not isinstance(value, dict):
        raise Rejected(400, NOT_JSON)
    if _depth(value) > MAX_DEPTH:
        raise Rejected(400, TOO_DEEP)
    return value


def _check_signature(headers: Mapping[str, str], raw: bytes, encrypt_key: str | None, now: float) -> bool:
    """True when signed, fresh and matching; False when unsigned (or no key to check with)."""
    if not encrypt_key:
        return False
    given = header(headers, SIGNATURE_HEADER)
    if not given:
        return False
    timestamp = header(headers, TIMESTAMP_HEADER) or ""
    nonce = header(headers, NONCE_HEADER) or ""
    if not hmac.compare_digest(
        signature(timestamp, nonce, encrypt_key, raw).encode(), given.strip().lower().encode()
    ):
        raise Rejected(401, BAD_SIGNATURE)
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise Rejected(401, STALE)
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        raise Rejected(401, STALE)
    return True


def _check_token(body: dict[str, Any], expected: str | None, *, required: bool) -> None:
    """Schema 2.0 carries the token in `header.token`; 1.0 bodies and challenges at the top."""
    head = body.get("header")
    token = head.get("token") if isinstance(head, dict) else body.get("token")
    if not expected:
        if required:
            raise Rejected(401, UNVERIFIABLE)
        return
    if token is None and not required:
        return  # proven with the Encrypt Key, which is the stronger check
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Rejected(401, BAD_TOKEN)
