from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow


class LoginToken(Base):
    """A one-time way in: the link's token and the 6-digit code, both stored only as digests.

    `purpose` is `customer` (help-center login mail) or `first_admin` (the link `serve` prints on an
    empty database)."""

    __tablename__ = "login_tokens"
    __table_args__ = (Index(None, "contact_id", "id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    purpose: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    link_digest: Mapped[str] = mapped_column(String(64), unique=True)
    code_digest: Mapped[str | None] = mapped_column(String(64))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: a customer contact or an agent. The cookie holds a random token; the
    database holds its digest, so that signing out (or an admin removing a person) ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class RateEvent(Base):
    """One attempt counted against a limit (logins per email, per address). In the database so that
    every web process sees the same counts."""

    __tablename__ = "rate_events"
    __table_args__ = (Index(None, "bucket", "created_at"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
