from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow
from assistdesk.domain.orgs.models import Organization

PLATFORM_ID = 191  # fits a unique index of several columns in utf8mb4 on MySQL


class ChatPlatform(StrEnum):
    SLACK = "slack"
    LARK = "lark"


class Direction(StrEnum):
    INBOUND = "inbound"  # written by a person in the chat
    OUTBOUND = "outbound"  # posted by us


class ChannelLink(Base):
    """A Slack channel or Lark group connected to a customer organization.

    `workspace` is the Slack team (or Enterprise Grid org) id, or the Lark tenant key; it is empty
    when the platform's channel ids are globally unique and the operator did not name one.
    """

    __tablename__ = "channel_links"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(PLATFORM_ID))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")


class TicketThread(Base):
    """A chat thread that follows a ticket.

    `thread_root` is the message the thread hangs off (the customer's message for a 🎫 reaction;
    our own root post for `/assist`, unknown until that post is delivered). `confirmation_message`
    is the message we edit to show the live status.
    """

    __tablename__ = "ticket_threads"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "channel", "thread_root"),
        Index(None, "ticket_id", "platform"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(PLATFORM_ID))
    thread_root: Mapped[str | None] = mapped_column(String(PLATFORM_ID))
    confirmation_message: Mapped[str | None] = mapped_column(String(PLATFORM_ID))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatMessage(Base):
    """A chat message we have seen or sent, so that none is stored or posted twice and our own
    messages are recognised by id when the platform echoes them back."""

    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel", "message_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(PLATFORM_ID))
    message_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    direction: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_threads.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatIdentity(Base):
    """A chat user as the platform describes them, matched to a contact by email when possible."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64), default="")
    user_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    locale: Mapped[str | None] = mapped_column(String(16))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboundReceipt(Base):
    """Deliveries from a platform already accepted (Slack event_id, Lark event_id or message_id).

    Platforms redeliver on timeouts and sometimes twice anyway; a unique row claimed in the same
    transaction as the work makes each delivery count once, even when two arrive at the same moment.
    """

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("platform", "receipt_key"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    receipt_key: Mapped[str] = mapped_column(String(PLATFORM_ID))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
