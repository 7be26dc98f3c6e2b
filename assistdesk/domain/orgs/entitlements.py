"""What a chat channel may do, decided in one place from the organization's plan and its grant.

Nothing here is stored per thread or per channel: the bridges ask at each event, so a plan change
or a withdrawn feature takes effect at once in threads that already exist (INTERFACE.md, *Support
plans*). The plan page's rows:

| plan        | an enabled Slack or Lark channel                               |
| ----------- | -------------------------------------------------------------- |
| basic       | none (the feature cannot be enabled)                           |
| developer   | none (the feature cannot be enabled)                           |
| enterprise  | create_and_follow: @mention opens a request; updates follow    |
| premium     | interact: create_and_follow, plus two-way sync, 🎫 and /assist |
"""

from __future__ import annotations

from assistdesk.domain.orgs.enums import ChatMode, Feature, FeatureState, Plan
from assistdesk.domain.orgs.models import Organization

_BY_PLAN = {
    Plan.BASIC: ChatMode.NONE,
    Plan.DEVELOPER: ChatMode.NONE,
    Plan.ENTERPRISE: ChatMode.CREATE_AND_FOLLOW,
    Plan.PREMIUM: ChatMode.INTERACT,
}


def plan_mode(plan: Plan) -> ChatMode:
    """What the plan includes for a chat channel once the feature is enabled."""
    return _BY_PLAN[plan]


def chat_mode(org: Organization) -> ChatMode:
    """What `org`'s plan allows in an enabled chat channel (`org list --json`'s `chat`)."""
    return plan_mode(org.plan_enum)


def channel_mode(org: Organization, feature: Feature) -> ChatMode:
    """What a channel of `org` on `feature`'s platform may do now: none unless the feature is
    enabled (a grant below its plan reads suspended, and so none)."""
    if org.feature_state(feature) is not FeatureState.ENABLED:
        return ChatMode.NONE
    return chat_mode(org)
