from __future__ import annotations

from enum import StrEnum


class Plan(StrEnum):
    """Support plans, cheapest first: the order is the entitlement order."""

    BASIC = "basic"
    DEVELOPER = "developer"
    ENTERPRISE = "enterprise"
    PREMIUM = "premium"

    @property
    def rank(self) -> int:
        return list(Plan).index(self)


class Feature(StrEnum):
    """Chat features granted on request."""

    SLACK = "slack"
    LARK = "lark"

    @property
    def minimum_plan(self) -> Plan:
        """Both chat tools come with Enterprise (create and follow) and Premium (two-way): the plan
        page's row is the same for Slack and Lark (INTERFACE.md, *Support plans*)."""
        return Plan.ENTERPRISE

    def allowed_on(self, plan: Plan) -> bool:
        return plan.rank >= self.minimum_plan.rank


class FeatureState(StrEnum):
    """What an operator and a customer see; derived, never stored.

    A grant survives plan changes: below the feature's plan it reads `suspended`, and raising the
    plan again restores `enabled` without anyone re-approving it.
    """

    OFF = "off"
    REQUESTED = "requested"
    ENABLED = "enabled"
    SUSPENDED = "suspended"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


class ChatMode(StrEnum):
    """What an enabled chat channel may do, by plan (`entitlements.chat_mode`), in rising order."""

    NONE = "none"
    CREATE_AND_FOLLOW = "create_and_follow"  # @mention → form → ticket; updates posted in its thread
    INTERACT = "interact"  # all of the above, plus two-way thread sync, and 🎫 and /assist in Slack
