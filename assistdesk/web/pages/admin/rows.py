"""Enablement requests as the admin pages show them (the requests page and an organization's page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assistdesk.domain.orgs.enums import RequestStatus
from assistdesk.domain.orgs.models import FeatureRequest


@dataclass(frozen=True)
class RequestRow:
    id: int
    organization_id: int
    organization: str
    feature: str
    status: str
    requested_by: str
    note: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING.value


def request_rows(requests: Sequence[FeatureRequest]) -> list[RequestRow]:
    return [
        RequestRow(
            id=r.id,
            organization_id=r.organization_id,
            organization=r.organization.name,
            feature=r.feature,
            status=r.status,
            requested_by=r.requested_by_email or "",
            note=r.note,
            created_at=r.created_at,
            decided_by=r.decided_by_email or "",
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )
        for r in requests
    ]
