from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from assistdesk.domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrganizationCreated(DomainEvent):
    name: ClassVar[str] = "organization.created"
    organization_id: int


@dataclass(frozen=True, kw_only=True)
class PlanChanged(DomainEvent):
    name: ClassVar[str] = "organization.plan_changed"
    organization_id: int
    old_plan: str
    new_plan: str
    suspended: tuple[str, ...] = ()
    restored: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FeatureEnabled(DomainEvent):
    name: ClassVar[str] = "organization.feature_enabled"
    organization_id: int
    feature: str


@dataclass(frozen=True, kw_only=True)
class FeatureDisabled(DomainEvent):
    name: ClassVar[str] = "organization.feature_disabled"
    organization_id: int
    feature: str


@dataclass(frozen=True, kw_only=True)
class FeatureRequested(DomainEvent):
    name: ClassVar[str] = "organization.feature_requested"
    organization_id: int
    feature: str
    request_id: int


@dataclass(frozen=True, kw_only=True)
class FeatureRequestDecided(DomainEvent):
    name: ClassVar[str] = "organization.feature_request_decided"
    organization_id: int
    feature: str
    request_id: int
    status: str
