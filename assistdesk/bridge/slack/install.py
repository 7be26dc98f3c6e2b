"""Switching Slack on: the installer the composition root calls (runtime._integrations).

Slack is on when SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) is set together with
SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID/SECRET (OAuth, many workspaces); otherwise it is
off, logged once, never a crash (INTERFACE.md). Every CLI command builds the runtime, so Bolt and the
Slack SDK are imported only when Slack is on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.outbox.worker import Periodic
from assistdesk.security.secretbox import SecretBox
from assistdesk.settings import Settings

log = logging.getLogger(__name__)
EXTENSION = "slack"


class Runtime(Protocol):
    """What the installer uses of assistdesk.runtime.Runtime (the bridge sits below it)."""

    settings: Settings
    db: Database
    secrets: SecretBox
    catalogs: Catalogs
    router: EventRouter
    handlers: dict[str, DeliveryHandler]
    periodic: list[Periodic]
    closers: list[Callable[[], Awaitable[None]]]
    extensions: dict[str, object]
    background: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]]


def install(runtime: Runtime) -> None:
    if not runtime.settings.slack_enabled:
        log.info(
            "Slack is off: set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) and SLACK_BOT_TOKEN "
            "(or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) to switch it on"
        )
        return
    from assistdesk.bridge.slack.wiring import wire

    wire(runtime)
