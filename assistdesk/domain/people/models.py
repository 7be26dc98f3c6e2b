from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow
from assistdesk.domain.orgs.models import Organization


class Contact(Base):
    """A customer person. Belongs to exactly one organization."""

    __tablename__ = "contacts"
    # Found by email on every REST create (assistdesk.db.cache).
    process_cache: ClassVar[str] = "contacts"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Agent(Base):
    """A support engineer of the vendor. Admins also manage organizations and integrations."""

    __tablename__ = "agents"
    # A token's principal is its agent: a changed agent forgets the cached tokens.
    process_cache: ClassVar[str] = "api_tokens"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def display_name(self) -> str:
        return self.name or self.email


class ApiToken(Base):
    __tablename__ = "api_tokens"
    # Authenticated tokens are cached per process (assistdesk.db.cache).
    process_cache: ClassVar[str] = "api_tokens"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agent: Mapped[Agent] = relationship(lazy="joined")
