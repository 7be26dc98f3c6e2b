"""A channel's organization and the state of one chat feature for it, as plain values in one statement.

Every inbound chat event asks what its channel may do (bridge.chat.entitlement): a thread reply on
the Slack ack path asked through the ORM, a channel link with its organization joined, then the
organization's grants loaded lazily (two statements and three objects per event, a third of the
group commit's CPU in a profile). This reads the same facts as one row per link, and decides them
by the same rules: the link as `service.find_channel_link` picks it, the state as
`Organization.feature_state` (feature_states.state_of).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Join, Select, bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.domain.links.models import ChannelLink
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.orgs import feature_clauses
from assistdesk.domain.orgs.enums import Feature, FeatureState, Plan
from assistdesk.domain.orgs.feature_states import state_of
from assistdesk.domain.orgs.models import Organization

_LINKS = table_of(ChannelLink)
_ORGS = table_of(Organization)


@dataclass(frozen=True)
class ChannelOrg:
    organization_id: int
    name: str
    plan: Plan
    state: FeatureState  # of the feature asked about


def columns(feature: Feature) -> tuple[ColumnElement[Any], ...]:
    """What `choose` reads of a link and its organization, in its order (batch.threads_at reads
    them beside a thread, in the same statement)."""
    granted = feature_clauses.granted(_ORGS.c.id, feature)
    pending = feature_clauses.pending(_ORGS.c.id, feature)
    return (_LINKS.c.workspace, _ORGS.c.id, _ORGS.c.name, _ORGS.c.plan, granted, pending)


def links_with_orgs() -> Join:
    """The channel links joined to their organizations, as `columns` reads them."""
    return _LINKS.join(_ORGS, _ORGS.c.id == _LINKS.c.organization_id)


def _statement(feature: Feature) -> Select[Any]:
    return (
        select(*columns(feature))
        .select_from(links_with_orgs())
        .where(_LINKS.c.platform == bindparam("platform"), _LINKS.c.channel == bindparam("channel"))
    )


# Built once, run on the driver's cursor (db/driver.DriverStatement): every thread reply asks it,
# and SQLAlchemy's execution path cost more CPU than the statement's round trip.
_BY_FEATURE = {feature: DriverStatement(_statement(feature)) for feature in Feature}


def channel_org(session: Session, place: ChatPlace, feature: Feature) -> ChannelOrg | None:
    """The organization `place` is linked to, with `feature`'s state; None when not linked."""
    params = {"platform": place.platform, "channel": place.channel}
    return choose(_BY_FEATURE[feature].rows(session.connection(), params), place, feature)


def choose(rows: Sequence[Sequence[Any]], place: ChatPlace, feature: Feature) -> ChannelOrg | None:
    """`place`'s organization among the rows of `columns` for its channel's links."""
    # As find_channel_link decides: this workspace's link, else one made without a workspace, else
    # the only one.
    exact = [row for row in rows if row[0] == place.workspace]
    anywhere = [row for row in rows if row[0] == ""]
    chosen = exact or anywhere or (rows if len(rows) == 1 else [])
    if not chosen:
        return None
    _, organization_id, name, plan_name, granted, pending = chosen[0]
    plan = Plan(plan_name)
    state = state_of(feature, plan, granted=bool(granted), pending=bool(pending))
    return ChannelOrg(organization_id, name, plan, state)
