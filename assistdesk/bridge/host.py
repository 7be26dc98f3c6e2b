"""What a channel (Slack, Lark, mail) gets from the host when it is switched on: one protocol.

The composition root (assistdesk.runtime) sits above the bridge, so a channel's installer cannot
import it; it is handed the runtime as this protocol instead, and plugs its parts in: event
subscribers on `router`, delivery handlers by outbox channel, periodic chores, clients to close, and
tasks to run beside the web app or the worker. The installer returns the channel's own object (or
None when the channel is off), which the runtime keeps as a typed attribute (`runtime.slack`, …).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.outbox.policy import Periodic
from assistdesk.security.secretbox import SecretBox
from assistdesk.settings import Settings

Task = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class ChannelHost(Protocol):
    """The parts of assistdesk.runtime.Runtime a channel's installer reads and extends."""

    settings: Settings
    db: Database
    secrets: SecretBox
    catalogs: Catalogs
    router: EventRouter
    handlers: dict[str, DeliveryHandler]
    periodic: list[Periodic]
    closers: list[Callable[[], Awaitable[None]]]
    # Run beside the web app until the event is set (Slack Socket Mode).
    background: list[Task]
    # Run beside every worker's deliveries (the IMAP reader, the SMTP listener).
    worker_services: list[Task]
