"""The Slack app manifest: exactly the scopes, command, events and URLs the app uses (slack.md §9).

Each scope is listed with the feature that needs it; nothing is requested "just in case". The same
scope list is what `/slack/install` asks for.
"""

from __future__ import annotations

from typing import Any

COMMAND = "/assist"
DEFAULT_NAME = "Assist"
# Slack's manifest schema: display_information.name is 1-35 characters, bot_user.display_name 1-80.
NAME_LIMIT = 35

# scope -> why the app needs it
BOT_SCOPES: dict[str, str] = {
    "commands": "/assist",
    "chat:write": "prompts, confirmations, support's replies and status notes",
    "chat:write.customize": "support's replies under the engineer's name",
    "reactions:read": "the :ticket: reaction and reading the reacted message (reactions.get)",
    "channels:history": "replies in request threads of public channels",
    "groups:history": "replies in request threads of private channels",
    "users:read": "names of the people who reply",
    "users:read.email": "matching people to their organization by email",
    "files:read": "keeping files shared in request threads",
    "app_mentions:read": "@mentions of the app, which open requests on every chat plan",
}
BOT_EVENTS = (
    "reaction_added",
    "message.channels",
    "message.groups",
    "app_uninstalled",
    "tokens_revoked",
    "app_mention",
)


def manifest(public_url: str, *, name: str = DEFAULT_NAME, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest; a name Slack would refuse is refused here (never cut short silently)."""
    if not name.strip() or len(name) > NAME_LIMIT:
        raise ValueError(f"the app's name must be 1 to {NAME_LIMIT} characters")
    base = public_url.rstrip("/")
    events_url = f"{base}/slack/events"
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Open a support request",
        "usage_hint": "[what went wrong] | help",
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if not socket_mode:
        command["url"] = events_url
        events["request_url"] = events_url
        interactivity["request_url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Open and follow support requests from Slack",
            "background_color": "#1d3557",
        },
        "features": {
            # No Messages tab, so no `messages_tab_read_only_enabled`: Slack's manifest type allows it
            # only beside an enabled Messages tab.
            "app_home": {"home_tab_enabled": False, "messages_tab_enabled": False},
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
