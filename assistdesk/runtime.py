"""The composition root: builds every long-lived object once, from one Settings.

Web processes, workers and CLI commands all start here, so they agree on how events become
deliveries. Platform integrations plug in by adding their subscribers and delivery handlers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.access.events import LoginRequested
from assistdesk.domain.tickets.events import TicketEvent
from assistdesk.i18n import Catalogs
from assistdesk.metrics import Metrics
from assistdesk.outbox.notify import Wakeup
from assistdesk.security.secretbox import SecretBox
from assistdesk.settings import Settings

if TYPE_CHECKING:  # the channels are imported when installed: they load HTTP clients and platform SDKs
    from assistdesk.bridge.host import Task
    from assistdesk.bridge.lark.wiring import LarkIntegration
    from assistdesk.bridge.mail import MailBridge
    from assistdesk.bridge.sla import SlaBridge
    from assistdesk.bridge.slack.wiring import SlackIntegration
    from assistdesk.outbox.handlers import DeliveryHandler
    from assistdesk.outbox.policy import Periodic, WorkerConfig
    from assistdesk.outbox.worker import Worker

log = logging.getLogger(__name__)

# Platforms redeliver for about 7 hours at most (Lark); receipts are kept a day.
RECEIPT_RETENTION = timedelta(days=1)

# The events the channels subscribe to (tests/test_cli_start.py checks the installed router against
# it): a CLI command that raises only others (an organization created, a feature switched on) never
# loads the channels.
CHANNEL_EVENTS: tuple[type, ...] = (TicketEvent, LoginRequested)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    secrets: SecretBox
    metrics: Metrics
    wakeup: Wakeup
    router: EventRouter
    catalogs: Catalogs = field(default_factory=Catalogs)
    handlers: dict[str, DeliveryHandler] = field(default_factory=dict)
    periodic: list[Periodic] = field(default_factory=list)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # Long-running tasks the web process runs beside the app until the event is set (Slack Socket Mode).
    background: list[Task] = field(default_factory=list)
    # Long-running tasks every worker runs beside its deliveries (the IMAP reader, the SMTP listener).
    worker_services: list[Task] = field(default_factory=list)
    # The channels, each None while switched off (bridge/host.py: what they get from the runtime).
    mail: MailBridge | None = None
    slack: SlackIntegration | None = None
    lark: LarkIntegration | None = None
    sla: SlaBridge | None = None  # response-time warnings and breaches, set with the channels
    channels_installed: bool = False

    def publish(self, uow: UnitOfWork, events: Sequence[Any]) -> None:
        """The database's publisher: a runtime built without its channels (CLI commands) installs
        them before the first event they subscribe to, so every event reaches the same subscribers."""
        if not self.channels_installed and any(isinstance(e, CHANNEL_EVENTS) for e in events):
            self.install_channels()
        self.router.publish(uow, events)

    def install_channels(self) -> None:
        """Subscribers, delivery handlers and periodic tasks of every channel; once."""
        if not self.channels_installed:
            self.channels_installed = True
            _install_channels(self)

    def worker_config(self) -> WorkerConfig:
        from assistdesk.outbox.policy import RatePolicy, WorkerConfig

        s = self.settings
        return WorkerConfig(
            lease_seconds=s.outbox_lease_seconds,
            max_failures=s.outbox_max_failures,
            concurrency=s.outbox_concurrency,
            poll_seconds=s.outbox_poll_seconds,
            rates=RatePolicy(
                rates={"slack": s.outbox_rate_slack, "lark": s.outbox_rate_lark},
                default=s.outbox_rate_default,
            ),
        )

    def worker(self, *, owner: str | None = None) -> Worker:
        from assistdesk.outbox.worker import Worker

        self.install_channels()
        return Worker(
            db=self.db,
            handlers=self.handlers,
            config=self.worker_config(),
            wakeup=self.wakeup,
            metrics=self.metrics,
            owner=owner,
            periodic=tuple(self.periodic),
        )

    async def run_worker(self, stop: asyncio.Event, *, owner: str | None = None) -> None:
        """The delivery worker and the worker services (mail in), until `stop` is set."""
        self.install_channels()
        services = [asyncio.create_task(run(stop)) for run in self.worker_services]
        try:
            await self.worker(owner=owner).run(stop)
        finally:
            stop.set()  # nothing awaited here: this coroutine may be being closed
        for outcome in await asyncio.gather(*services, return_exceptions=True):
            if isinstance(outcome, Exception):
                log.error("a worker service failed", exc_info=outcome)

    async def close_clients(self) -> None:
        """Close HTTP sessions; call from the event loop that used them."""
        for closer in reversed(self.closers):
            try:
                await closer()
            except Exception:
                log.exception("closing a runtime resource failed")

    async def aclose(self) -> None:
        await self.close_clients()
        self.db.dispose()


def _install_channels(runtime: Runtime) -> None:
    # Imported here: the channels load aiohttp, the platform SDKs and the delivery worker, which
    # commands that only touch the database never need (tests/test_cli_start.py).
    from assistdesk.bridge.lark.install import install as install_lark
    from assistdesk.bridge.mail import install as install_mail
    from assistdesk.bridge.sla import SCAN_SECONDS, SlaBridge
    from assistdesk.bridge.slack.install import install as install_slack
    from assistdesk.bridge.webhooks import CHANNEL as WEBHOOK_CHANNEL
    from assistdesk.bridge.webhooks import WebhookBridge
    from assistdesk.db.types import utcnow
    from assistdesk.domain.access.service import purge_expired
    from assistdesk.domain.links.service import purge_receipts
    from assistdesk.outbox.admin import purge_delivered
    from assistdesk.outbox.policy import Periodic

    db, settings = runtime.db, runtime.settings
    webhooks = WebhookBridge(
        db=db,
        secrets=runtime.secrets,
        public_url=settings.public_url,
        allow_private=settings.webhook_allow_private,
    )
    webhooks.install(runtime.router)
    runtime.handlers[WEBHOOK_CHANNEL] = webhooks
    runtime.closers.append(webhooks.aclose)

    runtime.mail = install_mail(runtime)  # always on: sign-in mail needs it

    runtime.sla = sla = SlaBridge(
        db=db, settings=settings, secrets=runtime.secrets, catalogs=runtime.catalogs, metrics=runtime.metrics
    )
    sla.install(runtime.router)
    runtime.periodic.append(Periodic("response-time warnings and breaches", SCAN_SECONDS, sla.scan))

    retention = timedelta(days=settings.outbox_retention_days)
    runtime.periodic.append(
        Periodic(
            "purge delivered outbox jobs",
            300,
            lambda: db.run(lambda uow: purge_delivered(uow.session, older_than=retention)),
        )
    )
    runtime.periodic.append(
        Periodic(
            "purge inbound receipts",
            3600,
            lambda: db.run(lambda uow: purge_receipts(uow.session, older_than=utcnow() - RECEIPT_RETENTION)),
        )
    )
    runtime.periodic.append(
        Periodic(
            "purge expired sessions and login codes",
            3600,
            lambda: db.run(lambda uow: purge_expired(uow.session)),
        )
    )
    # Chat platforms, each switched on by its own credentials (INTERFACE.md: a platform whose
    # credentials are missing is simply off).
    runtime.slack = install_slack(runtime)
    runtime.lark = install_lark(runtime)


def build_runtime(settings: Settings, *, run_migrations: bool = True, channels: bool = True) -> Runtime:
    """`channels=False` (CLI commands) defers importing and installing the channels until the
    first domain event or the first worker: commands that only touch the database start faster."""
    engine = build_engine(settings.database_url)
    if run_migrations and migrate.upgrade(engine):
        log.info("database migrated to the newest schema")
    db = Database(engine)
    runtime = Runtime(
        settings=settings,
        db=db,
        secrets=SecretBox(settings.resolve_secret_key()),
        metrics=Metrics(),
        wakeup=Wakeup(),
        router=EventRouter(),
        catalogs=Catalogs(),
    )
    db.add_publisher(runtime.publish)
    db.add_commit_hook(runtime.wakeup.commit_hook)
    if channels:
        runtime.install_channels()
    return runtime
