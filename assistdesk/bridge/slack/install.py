"""Switching Slack on: the installer the composition root calls (runtime._install_chat_platforms).

Slack is on when SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) is set together with
SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth, many workspaces); otherwise it is
off, logged once, never a crash (INTERFACE.md). Every CLI command builds the runtime, so Bolt and the
Slack SDK are imported only when Slack is on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistdesk.bridge.host import ChannelHost

if TYPE_CHECKING:
    from assistdesk.bridge.slack.wiring import SlackIntegration

log = logging.getLogger(__name__)


def install(host: ChannelHost) -> SlackIntegration | None:
    if not host.settings.slack_enabled:
        log.info(
            "Slack is off: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) and SLACK_BOT_TOKEN "
            "(or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) to switch it on"
        )
        return None
    from assistdesk.bridge.slack.wiring import wire

    return wire(host)
