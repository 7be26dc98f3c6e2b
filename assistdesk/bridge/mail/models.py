"""Mail's own tables: every mail seen or sent (the receipt that makes a Message-ID count once, and the
thread a reply is matched to), each ticket's mail thread, mail held for an admin, and bouncing addresses.

Mail ids live here, never on tickets (STYLE.md §8), like the chat links.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow

Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
MESSAGE_ID = 191  # fits a unique index in utf8mb4 on MySQL


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class HoldReason(StrEnum):
    UNKNOWN_SENDER = "unknown_sender"
    FLOOD = "flood"
    FORGED_KEY = "forged_key"
    TOO_LARGE = "too_large"  # kept without its bytes: only a discard is possible
    UNREADABLE = "unreadable"  # its handling failed; kept so that it never blocks the next mail


class MailMessage(Base):
    """A mail received or sent. The unique Message-ID is the receipt: a mail read again after a crash
    between our commit and the server's flag (or a second worker reading the same mailbox) is
    recognised and taken once. Outgoing ids are written when the job is enqueued, so a reply to a
    mail still in the outbox already finds its ticket."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index(None, "sender", "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID), unique=True)
    direction: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailThread(Base):
    """A ticket followed by mail: the first mail every later one refers to, the reporter's language,
    and whether the reporter of a chat ticket switched mail on in the help center."""

    __tablename__ = "mail_threads"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    root_message_id: Mapped[str] = mapped_column(String(MESSAGE_ID))
    locale: Mapped[str | None] = mapped_column(String(16))
    follow: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldMail(Base):
    """A mail that opened nothing and waits for an admin: accept (contact + ticket) or discard."""

    __tablename__ = "mail_held"
    __table_args__ = (Index(None, "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(MESSAGE_ID), unique=True)
    sender: Mapped[str] = mapped_column(String(320))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(255), default="")
    reason: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[bytes] = mapped_column(Blob, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BouncingAddress(Base):
    """An address our mail bounced from (a delivery-status notification came back)."""

    __tablename__ = "mail_bounces"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(String(255), default="")
    bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
