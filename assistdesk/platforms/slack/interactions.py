"""Slack's interactivity payloads, parsed at the edge: the slash command and the form button.

A slash command arrives form-encoded (slack.md §3.1); a block action as JSON (§3.2), whose channel
is in `container` for messages and in `channel` for ephemeral prompts. Only the fields the app
reads are declared. The view submission lives in `payloads` with the events.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistdesk.platforms.slack.payloads import User, parse
from assistdesk.platforms.slack.ports import Command, FormButton


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Model):
    team_id: str = ""
    channel_id: str = ""
    user_id: str = ""
    user_name: str = ""
    text: str = ""
    trigger_id: str = ""

    def command(self, workspace: str | None) -> Command:
        """`workspace`: the installation's team Bolt authorized, else the one the payload names."""
        return Command(
            workspace=workspace or self.team_id,
            channel=self.channel_id,
            user=self.user_id,
            user_name=self.user_name,
            text=self.text,
            trigger_id=self.trigger_id,
        )


class Action(_Model):
    action_id: str = ""
    value: str = ""


class Container(_Model):
    channel_id: str | None = None


class Channel(_Model):
    id: str | None = None


class BlockAction(_Model):
    user: User = Field(default_factory=lambda: User(id=""))
    actions: list[Action] = Field(default_factory=list)
    container: Container | None = None
    channel: Channel | None = None
    trigger_id: str = ""

    @property
    def channel_id(self) -> str:
        in_container = self.container.channel_id if self.container else None
        return in_container or (self.channel.id if self.channel else None) or ""

    def form_button(self, workspace: str | None) -> FormButton:
        """The *Raise request* button of a prompt: its value names the draft to open."""
        return FormButton(
            workspace=workspace or "",
            channel=self.channel_id,
            user=self.user.id,
            user_name=self.user.label,
            value=self.actions[0].value if self.actions else "",
            trigger_id=self.trigger_id,
        )


def slash_command(body: Any) -> SlashCommand | None:
    return parse(SlashCommand, body)


def block_action(body: Any) -> BlockAction | None:
    return parse(BlockAction, body)
