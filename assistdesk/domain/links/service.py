"""Chat links: channels to organizations, tickets to threads, messages to comments."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.domain.events import Work
from assistdesk.domain.links.models import (
    ChannelLink,
    ChatIdentity,
    ChatMessage,
    ChatPlatform,
    Direction,
    InboundReceipt,
    TicketThread,
)
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.service import find_contact
from assistdesk.errors import Invalid, NotFound


def parse_platform(raw: str) -> ChatPlatform:
    try:
        return ChatPlatform((raw or "").strip().lower())
    except ValueError:
        raise Invalid(f"unknown chat platform {raw!r} (choose slack or lark)", field="platform") from None


def _invisible(char: str) -> bool:
    """Control, format (zero-width, bidi), separator and space characters: never part of a platform
    id, and a look-alike id with one of them would link a channel nobody can post in."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zs", "Zl", "Zp")


def _platform_id(raw: str, field: str) -> str:
    value = (raw or "").strip()
    if not value or len(value) > 191 or any(_invisible(c) for c in value):
        raise Invalid(f"{field} {raw!r} is not a valid id", field=field)
    return value


# Channels ----------------------------------------------------------------------------------------


def connect_channel(
    work: Work, *, platform: str, workspace: str, channel: str, org: Organization
) -> tuple[ChannelLink, bool]:
    """Link a channel to an organization; re-linking moves it. Returns (link, created)."""
    chosen = parse_platform(platform)
    space = (workspace or "").strip()
    if len(space) > 64:
        raise Invalid("workspace id is too long", field="workspace")
    if any(_invisible(c) for c in space):
        raise Invalid(f"workspace {workspace!r} is not a valid id", field="workspace")
    ident = _platform_id(channel, "channel")
    existing = work.session.scalars(
        select(ChannelLink).where(
            ChannelLink.platform == chosen.value, ChannelLink.workspace == space, ChannelLink.channel == ident
        )
    ).one_or_none()
    if existing is not None:
        existing.organization_id = org.id
        existing.organization = org
        work.session.flush()
        return existing, False
    link = ChannelLink(platform=chosen.value, workspace=space, channel=ident, organization_id=org.id)
    link.organization = org
    work.session.add(link)
    work.session.flush()
    return link, True


def disconnect_channel(work: Work, *, link_id: int) -> None:
    link = work.session.get(ChannelLink, link_id)
    if link is None:
        raise NotFound(f"no channel connection #{link_id}")
    work.session.delete(link)
    work.session.flush()


def find_channel_link(session: Session, place: ChatPlace) -> ChannelLink | None:
    """The organization a channel belongs to.

    An exact (workspace, channel) match wins; otherwise a link made without a workspace. Slack Connect
    channels keep one id across the organizations sharing them, so the workspace an event reports can
    be the customer's rather than the one the operator typed.
    """
    rows = session.scalars(
        select(ChannelLink).where(
            ChannelLink.platform == place.platform, ChannelLink.channel == place.channel
        )
    ).all()
    for row in rows:
        if row.workspace == place.workspace:
            return row
    for row in rows:
        if row.workspace == "":
            return row
    return rows[0] if len(rows) == 1 else None


def list_channel_links(session: Session, *, organization_id: int | None = None) -> Sequence[ChannelLink]:
    stmt = select(ChannelLink).order_by(ChannelLink.platform, ChannelLink.channel)
    if organization_id is not None:
        stmt = stmt.where(ChannelLink.organization_id == organization_id)
    return session.scalars(stmt).all()


# Threads -----------------------------------------------------------------------------------------


def open_thread(
    work: Work,
    place: ChatPlace,
    *,
    ticket_id: int,
    thread_root: str | None,
    locale: str | None = None,
) -> TicketThread:
    thread = TicketThread(
        ticket_id=ticket_id,
        platform=ChatPlatform(place.platform).value,
        workspace=place.workspace,
        channel=place.channel,
        thread_root=thread_root,
        locale=locale,
    )
    work.session.add(thread)
    work.session.flush()
    return thread


def find_thread(session: Session, place: ChatPlace, *, thread_root: str) -> TicketThread | None:
    rows = session.scalars(
        select(TicketThread).where(
            TicketThread.platform == place.platform,
            TicketThread.channel == place.channel,
            TicketThread.thread_root == thread_root,
        )
    ).all()
    exact = [r for r in rows if r.workspace == place.workspace]
    if exact:
        return exact[0]
    return rows[0] if len(rows) == 1 else None


def threads_of(session: Session, *, ticket_id: int, platform: str | None = None) -> Sequence[TicketThread]:
    stmt = select(TicketThread).where(TicketThread.ticket_id == ticket_id).order_by(TicketThread.id)
    if platform is not None:
        stmt = stmt.where(TicketThread.platform == platform)
    return session.scalars(stmt).all()


def get_thread(session: Session, thread_id: int) -> TicketThread:
    thread = session.get(TicketThread, thread_id)
    if thread is None:
        raise NotFound(f"no ticket thread #{thread_id}")
    return thread


# Messages ----------------------------------------------------------------------------------------


def record_message(
    work: Work,
    place: ChatPlace,
    *,
    message_id: str,
    direction: Direction,
    ticket_id: int | None = None,
    comment_id: int | None = None,
    thread_id: int | None = None,
) -> bool:
    """Remember a message; False when it was already known (a redelivery or our own echo)."""
    inserted = insert_ignore(
        work.session,
        table_of(ChatMessage),
        {
            "platform": place.platform,
            "workspace": place.workspace,
            "channel": place.channel,
            "message_id": message_id,
            "direction": direction.value,
            "ticket_id": ticket_id,
            "comment_id": comment_id,
            "thread_id": thread_id,
        },
    )
    return inserted == 1


def find_message(session: Session, place: ChatPlace, *, message_id: str) -> ChatMessage | None:
    return session.scalars(
        select(ChatMessage).where(
            ChatMessage.platform == place.platform,
            ChatMessage.workspace == place.workspace,
            ChatMessage.channel == place.channel,
            ChatMessage.message_id == message_id,
        )
    ).one_or_none()


def messages_of_comment(session: Session, *, comment_id: int) -> Sequence[ChatMessage]:
    return session.scalars(select(ChatMessage).where(ChatMessage.comment_id == comment_id)).all()


# Identities and receipts -------------------------------------------------------------------------


def upsert_identity(
    work: Work,
    *,
    platform: str,
    workspace: str,
    user_id: str,
    display_name: str,
    email: str | None,
    locale: str | None = None,
) -> ChatIdentity:
    session = work.session
    clean_email = email.strip().lower() if email else None
    insert_ignore(
        session,
        table_of(ChatIdentity),
        {
            "platform": platform,
            "workspace": workspace,
            "user_id": user_id,
            "display_name": display_name[:200],
        },
    )
    identity = session.scalars(
        select(ChatIdentity).where(
            ChatIdentity.platform == platform,
            ChatIdentity.workspace == workspace,
            ChatIdentity.user_id == user_id,
        )
    ).one()
    identity.display_name = (display_name or identity.display_name)[:200]
    if clean_email:
        identity.email = clean_email
    if locale:
        identity.locale = locale
    contact = find_contact(session, identity.email) if identity.email else None
    identity.contact_id = contact.id if contact is not None else None
    session.flush()
    return identity


def claim_receipt(work: Work, *, platform: str, key: str) -> bool:
    """True the first time a platform delivery is seen; False for every redelivery."""
    return (
        insert_ignore(
            work.session,
            table_of(InboundReceipt),
            {"platform": platform, "receipt_key": key[:191]},
        )
        == 1
    )


def purge_receipts(session: Session, *, older_than: datetime) -> int:
    result = session.execute(delete(InboundReceipt).where(InboundReceipt.received_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


def find_exact_channel_link(
    session: Session, *, platform: str, workspace: str, channel: str
) -> ChannelLink | None:
    """The link `connect_channel` would re-use (and move) for these ids, if any."""
    chosen = parse_platform(platform)
    return session.scalars(
        select(ChannelLink).where(
            ChannelLink.platform == chosen.value,
            ChannelLink.workspace == (workspace or "").strip(),
            ChannelLink.channel == (channel or "").strip(),
        )
    ).one_or_none()


# Lark: what the bridge asks of the links --------------------------------------------------------


def has_display_name(session: Session, *, place: ChatPlace, user_id: str) -> bool:
    """Whether a person's name is known in the place's workspace (Lark's events name nobody)."""
    name = session.scalar(
        select(ChatIdentity.display_name).where(
            ChatIdentity.platform == place.platform,
            ChatIdentity.workspace == place.workspace,
            ChatIdentity.user_id == user_id,
        )
    )
    return bool(name)


def posted_for_comment(session: Session, *, place: ChatPlace, thread_id: int, comment_id: int) -> str | None:
    """The id of the message we posted to show a comment in a thread, if it was ever delivered."""
    return session.scalars(
        select(ChatMessage.message_id).where(
            ChatMessage.comment_id == comment_id,
            ChatMessage.thread_id == thread_id,
            ChatMessage.platform == place.platform,
            ChatMessage.workspace == place.workspace,
            ChatMessage.channel == place.channel,
            ChatMessage.direction == Direction.OUTBOUND.value,
        )
    ).first()


# Comments from chat, and who wrote them ------------------------------------------------------------


def attach_comment(work: Work, place: ChatPlace, *, message_id: str, comment_id: int) -> None:
    """Mark a recorded chat message as the source of a comment (its edits and deletion follow it)."""
    work.session.execute(
        update(ChatMessage)
        .where(
            ChatMessage.platform == place.platform,
            ChatMessage.workspace == place.workspace,
            ChatMessage.channel == place.channel,
            ChatMessage.message_id == message_id,
        )
        .values(comment_id=comment_id)
    )


def find_identity(session: Session, *, platform: str, workspace: str, user_id: str) -> ChatIdentity | None:
    """What we know of a chat user (name, email, locale, contact), without asking the platform."""
    return session.scalars(
        select(ChatIdentity).where(
            ChatIdentity.platform == platform,
            ChatIdentity.workspace == workspace,
            ChatIdentity.user_id == user_id,
        )
    ).one_or_none()
