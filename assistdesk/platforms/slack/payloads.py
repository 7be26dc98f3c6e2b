"""Slack's JSON, parsed once at the edge into typed objects (slack.md §1–3 for every field).

Only the fields the app reads are declared; everything else is ignored, so a payload Slack grows
tomorrow still parses.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistdesk.platforms.slack import forms
from assistdesk.platforms.slack.ports import (
    FormSource,
    FormValues,
    Mention,
    ReplyDeletion,
    ReplyEdit,
    RequestForm,
    SharedFile,
    ThreadReply,
)

TICKET_REACTIONS = frozenset({"ticket", "admission_tickets"})  # 🎫 and 🎟️ (slack.md §1.4)
# Message subtypes that are a person writing in a thread; the rest (joins, topic changes, bots) are not.
_PERSON_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Authorization(_Model):
    enterprise_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None  # the bot user the event was delivered for


class FileInfo(_Model):
    id: str
    name: str | None = None
    title: str | None = None
    mimetype: str | None = None
    size: int | None = None
    url_private: str | None = None
    url_private_download: str | None = None
    permalink: str | None = None

    def shared(self) -> SharedFile:
        return SharedFile(
            id=self.id,
            name=self.name or self.title or self.id,
            mimetype=self.mimetype,
            size=self.size,
            download_url=self.url_private_download or self.url_private,
            permalink=self.permalink,
        )


class Message(_Model):
    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None
    text: str = ""
    ts: str | None = None
    thread_ts: str | None = None
    files: list[FileInfo] = Field(default_factory=list)

    @property
    def is_reply(self) -> bool:
        """Slack's own test: a thread_ts that differs from ts (slack.md §1.5; message_replied lies)."""
        return bool(self.thread_ts and self.ts and self.thread_ts != self.ts)

    @property
    def by_bot(self) -> bool:
        return self.bot_id is not None or self.subtype == "bot_message"


class MessageEvent(Message):
    channel: str
    message: Message | None = None
    previous_message: Message | None = None
    deleted_ts: str | None = None


class ReactionItem(_Model):
    type: str = "message"
    channel: str | None = None
    ts: str | None = None


class ReactionAddedEvent(_Model):
    user: str
    reaction: str
    item: ReactionItem


class Envelope(_Model):
    """An Events API `event_callback` (slack.md §1.2)."""

    event_id: str
    api_app_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    authorizations: list[Authorization] = Field(default_factory=list)

    @property
    def workspace(self) -> str:
        """The installation's team, not the acting team: in a Slack Connect channel the top-level
        team_id can be the other organization (Bolt's extract_team_id does the same)."""
        first = self.authorizations[0] if self.authorizations else None
        return (first and (first.team_id or first.enterprise_id)) or self.team_id or self.enterprise_id or ""


class Tokens(_Model):
    bot: list[str] = Field(default_factory=list)  # the bot users whose tokens were revoked


class TokensRevokedEvent(_Model):
    """`tokens_revoked`: the workspace took tokens back without uninstalling the app."""

    tokens: Tokens = Field(default_factory=Tokens)


def is_own(message: Message, *, app_id: str | None, bot_id: str | None, bot_user_id: str | None) -> bool:
    """Our app's own posts, recognised by identity (never by text)."""
    return bool(
        (app_id and message.app_id == app_id)
        or (bot_id and message.bot_id == bot_id)
        or (bot_user_id and message.user == bot_user_id)
    )


def thread_reply(envelope: Envelope, event: MessageEvent) -> ThreadReply | None:
    """A person's new message in some thread, or None (a top-level message, a bot, a join…)."""
    if event.subtype not in _PERSON_SUBTYPES or event.by_bot or not event.user:
        return None
    if not event.is_reply or event.ts is None or event.thread_ts is None:
        return None
    if not event.text.strip() and not event.files:
        return None
    return ThreadReply(
        event_id=envelope.event_id,
        workspace=envelope.workspace,
        channel=event.channel,
        thread_ts=event.thread_ts,
        ts=event.ts,
        user=event.user,
        text=event.text,
        files=tuple(f.shared() for f in event.files),
    )


class AppMentionEvent(_Model):
    """`app_mention` (slack.md §1.6): a new message that mentions the bot."""

    user: str | None = None
    bot_id: str | None = None
    text: str = ""
    ts: str
    channel: str
    thread_ts: str | None = None


def mentions(text: str, bot_user_id: str | None) -> bool:
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The text with the bot's mention (`<@U123>` or `<@U123|name>`) taken out."""
    if not bot_user_id:
        return text.strip()
    return re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text).strip()


def mention(
    envelope: Envelope, event: AppMentionEvent | MessageEvent, bot_user_id: str | None
) -> Mention | None:
    """A person's new message that mentions the bot, or None (a bot, an edit, a join…)."""
    if isinstance(event, MessageEvent) and (
        event.subtype not in _PERSON_SUBTYPES or event.by_bot or not mentions(event.text, bot_user_id)
    ):
        return None
    if event.bot_id is not None or not event.user or not event.ts:
        return None
    thread_ts = event.thread_ts if event.thread_ts and event.thread_ts != event.ts else None
    return Mention(
        event_id=envelope.event_id,
        workspace=envelope.workspace,
        channel=event.channel,
        ts=event.ts,
        user=event.user,
        text=without_mention(event.text, bot_user_id),
        thread_ts=thread_ts,
    )


def bot_user_of(envelope: Envelope) -> str | None:
    """The bot user an event was delivered for (`authorizations[0].user_id`)."""
    first = envelope.authorizations[0] if envelope.authorizations else None
    return first.user_id if first is not None else None


def reply_edit(envelope: Envelope, event: MessageEvent) -> ReplyEdit | None:
    """`message_changed` of a thread reply whose text changed. Slack also sends message_changed
    when a parent gains replies or a link unfurls; those keep their text and are ignored."""
    new, old = event.message, event.previous_message
    if event.subtype != "message_changed" or new is None or new.by_bot or not new.is_reply:
        return None
    if old is not None and old.text == new.text:
        return None
    if new.ts is None or new.thread_ts is None:
        return None
    return ReplyEdit(
        event_id=envelope.event_id,
        workspace=envelope.workspace,
        channel=event.channel,
        thread_ts=new.thread_ts,
        ts=new.ts,
        text=new.text,
    )


def reply_deletion(envelope: Envelope, event: MessageEvent) -> ReplyDeletion | None:
    old = event.previous_message
    if event.subtype != "message_deleted" or old is None or not old.is_reply or old.by_bot:
        return None
    ts = event.deleted_ts or old.ts
    if ts is None or old.thread_ts is None:
        return None
    return ReplyDeletion(
        event_id=envelope.event_id,
        workspace=envelope.workspace,
        channel=event.channel,
        thread_ts=old.thread_ts,
        ts=ts,
    )


# Interactivity ---------------------------------------------------------------------------------------


class User(_Model):
    id: str
    name: str = ""
    username: str = ""

    @property
    def label(self) -> str:
        return self.name or self.username or self.id


class Team(_Model):
    id: str | None = None


class View(_Model):
    id: str = ""
    callback_id: str = ""
    private_metadata: str = ""
    app_installed_team_id: str | None = None
    team_id: str | None = None
    state: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)

    def value(self, block_id: str) -> str | None:
        element = next(iter(self.state.get("values", {}).get(block_id, {}).values()), None)
        if not element:
            return None
        if element.get("type") == "static_select":
            option = element.get("selected_option") or {}
            return option.get("value")
        value = element.get("value")
        return value if isinstance(value, str) else None


class ViewSubmission(_Model):
    user: User
    team: Team | None = None
    view: View


def form_metadata(raw: str) -> RequestForm | None:
    """The form as we opened it, carried by Slack in `private_metadata` (view_submission has no
    channel of its own, slack.md §3.5). Requests are signed, so it is what we wrote."""
    try:
        data = json.loads(raw)
        return RequestForm(
            source=FormSource(data["src"]),
            workspace=str(data["ws"]),
            channel=str(data["ch"]),
            locale=str(data.get("loc") or "en"),
            message_ts=data.get("ts"),
            permalink=data.get("link"),
            user_name=str(data.get("name") or ""),
            profile_email=data.get("pe"),
        )
    except (ValueError, KeyError, TypeError):
        return None


def form_values(view: View) -> FormValues:
    return FormValues(
        title=view.value(forms.TITLE) or "",
        description=view.value(forms.DESCRIPTION) or "",
        severity=view.value(forms.SEVERITY),
        reporter_email=view.value(forms.REPORTER) or "",
    )


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def event_of(model: type[M], body: Any) -> M | None:
    """The `event` of an Events API callback as `model`, or None when it is not one."""
    return parse(model, body.get("event") if isinstance(body, dict) else None)
