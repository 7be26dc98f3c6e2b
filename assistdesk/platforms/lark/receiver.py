"""Everything Lark pushes, over HTTP (`POST /lark/events`) or the long connection, in a fixed order:
verify (HTTP only) → answer the challenge → dispatch by event type → one use case.

Lark retries any answer but 200 for hours (https://open.larksuite.com/document/ukTMukTMukTM/uUTNz4SN1MjL1UzM),
so event types we do not handle are acknowledged, and a 200 is given only once the event's effect
and its outbox jobs are committed. Refusals get the status they deserve and change nothing. The
use cases are the bridge's (`assistdesk.bridge.lark.inbound.HANDLERS`); this is Lark's side of
receiving them, as Bolt's listeners are Slack's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from assistdesk.platforms.lark import events, pushes
from assistdesk.platforms.lark.client import LarkUnavailable

log = logging.getLogger(__name__)

ACK = {"msg": "success"}
MALFORMED = (AttributeError, KeyError, TypeError, IndexError, ValueError)
NOT_SHAPED_AS_LARK_SENDS = "the push is not shaped as Lark sends it"
UNAVAILABLE = "temporarily unavailable"
Answer = tuple[int, dict[str, Any]]
Handler = Callable[[events.Envelope], dict[str, Any]]


class PushReceiver:
    def __init__(
        self,
        handlers: Mapping[str, Handler],
        *,
        encrypt_key: str | None,
        verification_token: str | None,
    ) -> None:
        self._handlers = handlers
        self._encrypt_key = encrypt_key
        self._verification_token = verification_token

    def handle_http(self, headers: Mapping[str, str], raw: bytes) -> Answer:
        try:
            push = pushes.verify(
                headers, raw, encrypt_key=self._encrypt_key, verification_token=self._verification_token
            )
        except pushes.Rejected as refused:
            log.warning("refused a push to /lark/events: %s", refused.reason)
            return refused.status, {"msg": refused.reason}
        if push.challenge is not None:
            return 200, {"challenge": push.challenge}
        return self.handle(push.body)

    def handle(self, body: dict[str, Any]) -> Answer:
        """A verified push (the long connection's frames need no verification)."""
        try:
            envelope = events.envelope(body)
        except MALFORMED as exc:
            log.warning("Lark push not understood: %s: %s", type(exc).__name__, exc)
            return 400, {"msg": NOT_SHAPED_AS_LARK_SENDS}
        handler = self._handlers.get(envelope.event_type)
        if handler is None:
            log.debug("acknowledged Lark event %s without handling it", envelope.event_type or "?")
            return 200, ACK
        try:
            return 200, handler(envelope)
        except events.Malformed as exc:
            log.warning("Lark %s push not understood: %s", envelope.event_type, exc)
            return 400, {"msg": str(exc)}
        except MALFORMED as exc:
            # Verified, but a shape Lark does not send (a string where an object belongs): one
            # line in the log and a 400, not a traceback and a 500 per push.
            log.warning("Lark %s push not understood: %s: %s", envelope.event_type, type(exc).__name__, exc)
            return 400, {"msg": NOT_SHAPED_AS_LARK_SENDS}
        except LarkUnavailable as exc:
            # Without the bot's identity a mention cannot be told from others; Lark retries in 15 s.
            log.warning("Lark push deferred: %s", exc)
            return 503, {"msg": UNAVAILABLE}

    def on_long_connection_push(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """The long connection's frame handler: a callback's answer, or None for events."""
        status, answer = self.handle(body)
        if status >= 500:
            raise RuntimeError(answer.get("msg", "failed"))  # the SDK answers 500: Lark pushes again
        envelope_type = (
            body.get("header", {}).get("event_type") if isinstance(body.get("header"), dict) else None
        )
        return answer if envelope_type == events.CARD_ACTION else None
