from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent, Contact

LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


class KeyCounter(Base):
    """Ticket numbers per prefix. A counter, not an auto-increment, so that keys are dense
    (SUP-1, SUP-2, …) on every database; a number is never given to two tickets."""

    __tablename__ = "key_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Ticket(Base):
    """Listed newest first by id, with keyset paging; the text index that search uses is made by
    migration 0004 per database and is not modelled here (see search.py)."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index(None, "organization_id", "id"),
        Index(None, "organization_id", "status", "id"),
        Index(None, "reporter_id", "id"),
        Index(None, "reporter_id", "status", "id"),
        Index(None, "status", "id"),
        Index(None, "assignee_id", "status", "id"),
        Index(None, "organization_id", "updated_at"),
        # Response-time commitment (domain/sla): the warning/breach scan reads `sla_next_at`, which
        # is empty once a ticket is answered or breached, so closed tickets cost it nothing; the
        # Breaching soon and New queues read by due time; the report reads by date.
        Index(None, "sla_next_at"),
        Index(None, "first_response_at", "status", "first_response_due_at"),
        Index(None, "assignee_id", "status", "first_response_due_at"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(LongText, default="")
    status: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(4))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first-response commitment: null due time when the plan promises none.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_plan: Mapped[str | None] = mapped_column(String(20))
    sla_stage: Mapped[int] = mapped_column(SmallInteger, default=0)
    sla_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True)
    reporter: Mapped[Contact] = relationship(lazy="joined", innerjoin=True)
    assignee: Mapped[Agent | None] = relationship(lazy="joined")


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index(None, "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(LongText)
    public: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16))
    author_kind: Mapped[str] = mapped_column(String(16))
    author_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    author_chat_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id", ondelete="SET NULL"))
    # Snapshot of the author's name when written; chat identities have nothing else.
    author_name: Mapped[str] = mapped_column(String(200))
    author_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="comment", order_by="Attachment.id", lazy="selectin"
    )


class Attachment(Base):
    """A file on a comment: its bytes, or only a link where we may not fetch them (a chat file
    whose platform did not grant us the right to download it)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes | None] = mapped_column(Blob, deferred=True)
    external_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment | None] = relationship(back_populates="attachments")
