"""Typed events, parsed at the edge: nothing past this module reads Lark's JSON.

lark-oapi's generated models (`P2ImMessageReceiveV1`, `P2CardActionTrigger`) do the parsing; they are
untyped to mypy, so their fields are copied into the frozen dataclasses below at once.
Payloads: https://open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/events/receive
and https://open.feishu.cn/document/feishu-cards/card-callback-communication
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lark_oapi.api.im.v1 import P2ImMessageRecalledV1, P2ImMessageReceiveV1
from lark_oapi.core.exception import UnmarshalException
from lark_oapi.event.callback.model.p2_card_action_trigger import P2CardActionTrigger

MESSAGE_RECEIVED = "im.message.receive_v1"
MESSAGE_RECALLED = "im.message.recalled_v1"
CARD_ACTION = "card.action.trigger"

_LOCALE_IN_AGENT = re.compile(r"LarkLocale/([A-Za-z]{2,3}(?:[_-][A-Za-z]{2,4})?)")
_PLACEHOLDER = re.compile(r"@_user_\d+|@_all")


class Malformed(ValueError):
    """A verified push whose shape we do not understand."""


@dataclass(frozen=True)
class Envelope:
    """The part every push shares. Schema 1.0 bodies (`uuid`, `event.type`) map onto the same names."""

    event_id: str
    event_type: str
    tenant_key: str
    app_id: str
    body: dict[str, Any]


def envelope(body: dict[str, Any]) -> Envelope:
    head = body.get("header")
    if isinstance(head, dict):
        return Envelope(
            event_id=str(head.get("event_id") or ""),
            event_type=str(head.get("event_type") or ""),
            tenant_key=str(head.get("tenant_key") or ""),
            app_id=str(head.get("app_id") or ""),
            body=body,
        )
    raw_event = body.get("event")
    event: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
    return Envelope(
        event_id=str(body.get("uuid") or ""),
        event_type=str(event.get("type") or body.get("type") or ""),
        tenant_key=str(event.get("tenant_key") or ""),
        app_id=str(event.get("app_id") or ""),
        body=body,
    )


@dataclass(frozen=True)
class Mention:
    key: str  # the placeholder in the text: @_user_1
    open_id: str
    name: str


@dataclass(frozen=True)
class IncomingMessage:
    event_id: str
    tenant_key: str
    message_id: str
    chat_id: str
    chat_type: str  # group | p2p
    message_type: str  # text, post, image, file, interactive, …
    sender_open_id: str
    sender_type: str  # user (the only kind Lark delivers today), app
    root_id: str | None = None  # set for replies: the first message of the thread
    text: str = ""  # with @_user_N placeholders
    mentions: tuple[Mention, ...] = field(default_factory=tuple)
    locale: str | None = None  # LarkLocale from the user agent (needs the im:user_agent:read scope)

    def mentions_user(self, open_id: str | None) -> bool:
        return bool(open_id) and any(m.open_id == open_id for m in self.mentions)

    def text_without(self, open_id: str | None) -> str:
        """The text with `open_id`'s mentions removed and other mentions spelled `@Name`."""
        names = {m.key: ("" if m.open_id == open_id else f"@{m.name}") for m in self.mentions}
        replaced = _PLACEHOLDER.sub(lambda found: names.get(found.group(0), found.group(0)), self.text)
        return "\n".join(" ".join(line.split()) for line in replaced.strip().splitlines()).strip()


M = TypeVar("M")


def _parsed(model: Callable[[dict[str, Any]], M], envelope_: Envelope) -> M:
    """The SDK's model, or Malformed: a verified push of another shape is Lark's mistake, not ours."""
    try:
        return model(envelope_.body)
    except (UnmarshalException, AttributeError, TypeError, ValueError, KeyError) as exc:
        raise Malformed(f"{envelope_.event_type} not shaped as documented: {exc}") from None


def message(envelope_: Envelope) -> IncomingMessage:
    parsed = _parsed(P2ImMessageReceiveV1, envelope_)
    event = parsed.event
    if event is None or event.message is None or event.sender is None:
        raise Malformed("im.message.receive_v1 without event.message or event.sender")
    msg, sender = event.message, event.sender
    if not msg.message_id or not msg.chat_id:
        raise Malformed("im.message.receive_v1 without message_id or chat_id")
    sender_id = sender.sender_id
    mentions = tuple(
        Mention(key=m.key or "", open_id=(m.id.open_id if m.id else "") or "", name=m.name or "")
        for m in (msg.mentions or [])
    )
    return IncomingMessage(
        event_id=envelope_.event_id,
        tenant_key=envelope_.tenant_key or sender.tenant_key or "",
        message_id=msg.message_id,
        chat_id=msg.chat_id,
        chat_type=msg.chat_type or "",
        message_type=msg.message_type or "",
        sender_open_id=(sender_id.open_id if sender_id else "") or "",
        sender_type=sender.sender_type or "",
        root_id=msg.root_id or None,
        text=content_text(msg.message_type or "", msg.content or ""),
        mentions=mentions,
        locale=locale_of_agent(msg.user_agent),
    )


@dataclass(frozen=True)
class RecalledMessage:
    event_id: str
    tenant_key: str
    message_id: str
    chat_id: str


def recalled(envelope_: Envelope) -> RecalledMessage:
    """https://open.larksuite.com/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/events/recalled"""
    event = _parsed(P2ImMessageRecalledV1, envelope_).event
    if event is None or not event.message_id or not event.chat_id:
        raise Malformed("im.message.recalled_v1 without message_id or chat_id")
    return RecalledMessage(envelope_.event_id, envelope_.tenant_key, event.message_id, event.chat_id)


def content_text(message_type: str, content: object) -> str:
    """Readable text of a message's `content` (a JSON string whose shape depends on the type).
    Anything of another shape, at any level, has no readable text: a signed push can still carry it."""
    if not isinstance(content, str):
        return ""
    try:
        data = json.loads(content) if content else {}
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    if message_type == "text":
        return str(data.get("text", ""))
    if message_type == "post":
        lines = [str(data["title"])] if data.get("title") else []
        paragraphs = data.get("content")
        for paragraph in paragraphs if isinstance(paragraphs, list) else []:
            parts = []
            for element in paragraph if isinstance(paragraph, list) else []:
                if not isinstance(element, dict):
                    continue
                tag = element.get("tag")
                if tag in ("text", "a", "md"):
                    parts.append(str(element.get("text", "")))
                elif tag == "at":
                    parts.append(str(element.get("user_id", "")))
            lines.append("".join(parts))
        return "\n".join(lines)
    if message_type == "file":
        return f"[file] {data.get('file_name', '')}".strip()
    if message_type in ("image", "media", "audio", "sticker"):
        return f"[{message_type}]"
    return ""


def locale_of_agent(user_agent: str | None) -> str | None:
    """`… Lark/6.7.5 LarkLocale/en_US …` → `en_US`: the client's language, as Lark gives it."""
    if not user_agent:
        return None
    found = _LOCALE_IN_AGENT.search(user_agent)
    return found.group(1) if found else None


@dataclass(frozen=True)
class CardAction:
    event_id: str
    tenant_key: str
    open_id: str
    chat_id: str
    message_id: str  # the card's message id (for an ephemeral card: the id `send` returned)
    value: dict[str, Any]
    form_value: dict[str, Any]
    name: str


def card_action(envelope_: Envelope) -> CardAction:
    parsed = _parsed(P2CardActionTrigger, envelope_)
    event = parsed.event
    if event is None or event.action is None:
        raise Malformed("card.action.trigger without event.action")
    operator, context, action = event.operator, event.context, event.action
    return CardAction(
        event_id=envelope_.event_id,
        tenant_key=envelope_.tenant_key or (operator.tenant_key if operator else "") or "",
        open_id=(operator.open_id if operator else "") or "",
        chat_id=(context.open_chat_id if context else "") or "",
        message_id=(context.open_message_id if context else "") or "",
        value=dict(action.value or {}),
        form_value=dict(action.form_value or {}),
        name=action.name or "",
    )
