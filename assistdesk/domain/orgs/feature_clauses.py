"""A chat feature's enabled grant and pending request as SQL conditions on an organization id.

The plain-row reads (the console's ticket sheet, a chat channel's entitlement) put these two columns
beside their own row instead of loading the organization's grants, and decide the state from them
with `feature_states.state_of`, as `Organization.feature_state` does from the loaded grants.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists
from sqlalchemy.sql.elements import ColumnElement

from assistdesk.db.base import table_of
from assistdesk.domain.orgs.enums import Feature, RequestStatus
from assistdesk.domain.orgs.models import FeatureGrant, FeatureRequest

_GRANTS = table_of(FeatureGrant)
_REQUESTS = table_of(FeatureRequest)


def granted(organization_id: ColumnElement[Any], feature: Feature) -> ColumnElement[bool]:
    """True when the organization has an enabled grant of `feature`."""
    return exists().where(
        _GRANTS.c.organization_id == organization_id,
        _GRANTS.c.feature == feature.value,
        _GRANTS.c.enabled.is_(True),
    )


def pending(organization_id: ColumnElement[Any], feature: Feature) -> ColumnElement[bool]:
    """True when a request of `feature` by the organization awaits a decision."""
    return exists().where(
        _REQUESTS.c.organization_id == organization_id,
        _REQUESTS.c.feature == feature.value,
        _REQUESTS.c.status == RequestStatus.PENDING.value,
    )
