from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow
from assistdesk.domain.orgs.enums import Feature, FeatureState, Plan, RequestStatus
from assistdesk.domain.orgs.feature_states import state_of


class Organization(Base):
    __tablename__ = "organizations"
    # Found by name on every REST create (assistdesk.db.cache).
    process_cache: ClassVar[str] = "organizations"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    # Names are unique regardless of case and surrounding spaces: operators type them in commands.
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    plan: Mapped[str] = mapped_column(String(20))
    # Business hours (domain/sla/hours.py): an IANA zone and an optional holiday country.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    holidays: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    domains: Mapped[list[OrganizationDomain]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="OrganizationDomain.domain"
    )
    grants: Mapped[list[FeatureGrant]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    requests: Mapped[list[FeatureRequest]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="FeatureRequest.id"
    )

    @property
    def plan_enum(self) -> Plan:
        return Plan(self.plan)

    def feature_state(self, feature: Feature) -> FeatureState:
        grant = next((g for g in self.grants if g.feature == feature.value), None)
        granted = grant is not None and grant.enabled
        pending = not granted and any(
            r.feature == feature.value and r.status == RequestStatus.PENDING.value for r in self.requests
        )
        return state_of(feature, self.plan_enum, granted=granted, pending=pending)

    def feature_active(self, feature: Feature) -> bool:
        return self.feature_state(feature) is FeatureState.ENABLED


class OrganizationDomain(Base):
    __tablename__ = "organization_domains"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # One organization per domain: the domain decides which organization a new chat reporter joins.
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    organization: Mapped[Organization] = relationship(back_populates="domains")


class FeatureGrant(Base):
    __tablename__ = "feature_grants"
    __table_args__ = (UniqueConstraint("organization_id", "feature"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    feature: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="grants")


class FeatureRequest(Base):
    """A customer's request to have a chat feature enabled, and the vendor's decision."""

    __tablename__ = "feature_requests"
    __table_args__ = (Index(None, "status", "id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    feature: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING.value)
    requested_by_email: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_email: Mapped[str | None] = mapped_column(String(320))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(back_populates="requests")
