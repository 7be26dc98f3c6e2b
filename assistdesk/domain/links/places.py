"""Where a conversation lives on a chat platform, as one value.

Every chat row (channel link, ticket thread, message, identity) is addressed by the same three
ids: the platform, the workspace (Slack team or Enterprise Grid org, Lark tenant key; empty when
the platform's channel ids are globally unique) and the channel. Passing them as one value keeps
the bridge from spelling them out field by field, and keeps them from being mixed up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class _Addressed(Protocol):
    platform: str
    workspace: str
    channel: str


@dataclass(frozen=True, slots=True)
class ChatPlace:
    """A channel (Slack channel, Lark group or chat) in a workspace of a platform."""

    platform: str
    workspace: str
    channel: str

    @classmethod
    def of(cls, row: _Addressed) -> ChatPlace:
        """The place of a stored chat row (a channel link, a ticket thread, a message)."""
        return cls(platform=row.platform, workspace=row.workspace, channel=row.channel)
