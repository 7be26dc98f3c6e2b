"""The state of a chat feature for an organization, as one pure rule: the `Organization` model and
the plain-row reads (`domain/tickets/ticket_reads.py`, `domain/links/channel_orgs.py`) all ask it,
so they cannot disagree."""

from __future__ import annotations

from assistdesk.domain.orgs.enums import Feature, FeatureState, Plan


def state_of(feature: Feature, plan: Plan, *, granted: bool, pending: bool) -> FeatureState:
    """`granted`: an enabled grant exists; `pending`: a request for it awaits a decision.

    A grant outlives a downgrade (suspended, not lost); a request shows until it is decided."""
    if granted:
        return FeatureState.ENABLED if feature.allowed_on(plan) else FeatureState.SUSPENDED
    if pending:
        return FeatureState.REQUESTED
    return FeatureState.OFF
