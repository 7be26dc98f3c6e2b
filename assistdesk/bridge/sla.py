"""Response-time announcements: the scan that finds them, the mails that tell the agents, metrics.

The scan runs in the delivery worker (a `Periodic` every second), so a warning or a breach is
enqueued within about a second of its moment and delivered right after; the webhook events go out
through `WebhookBridge`, which subscribes to the same domain events. Mails go to the assignee, or to
every active admin agent while nobody is assigned, through the mail channel's outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.mail import CHANNEL as MAIL_CHANNEL
from assistdesk.bridge.mail import jobs as mail_jobs
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.people.models import Agent
from assistdesk.domain.sla import clock
from assistdesk.domain.sla.events import FirstResponded, SlaBreached, SlaWarning
from assistdesk.domain.tickets import service as tickets
from assistdesk.i18n import Catalogs
from assistdesk.metrics import Metrics
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.security.secretbox import SecretBox
from assistdesk.security.tokens import digest
from assistdesk.settings import Settings

KIND = mail_jobs.AGENT_NOTICE
SCAN_SECONDS = 1.0


class SlaBridge:
    def __init__(
        self, *, db: Database, settings: Settings, secrets: SecretBox, catalogs: Catalogs, metrics: Metrics
    ) -> None:
        self._db = db
        self._settings = settings
        self._secrets = secrets
        self._catalogs = catalogs
        self._metrics = metrics

    def install(self, router: EventRouter) -> None:
        router.subscribe(SlaWarning, self.on_announcement)
        router.subscribe(SlaBreached, self.on_announcement)
        self._db.add_commit_hook(self.count)

    def scan(self, now: datetime | None = None) -> list[int]:
        """One pass; several workers may run it at once (each ticket and stage is announced once)."""
        return self._db.run(lambda uow: clock.scan(uow, now=now or utcnow()))

    def on_announcement(self, uow: UnitOfWork, event: SlaWarning | SlaBreached) -> None:
        ticket = tickets.get_ticket_by_id(uow.session, event.ticket_id)
        if ticket.assignee is not None and ticket.assignee.active:
            recipients = [ticket.assignee]
        else:
            recipients = list(
                uow.session.scalars(
                    select(Agent).where(Agent.is_admin.is_(True), Agent.active.is_(True)).order_by(Agent.id)
                )
            )
        _ = self._catalogs.translator(None, "web")
        link = f"{self._settings.public_url}/agent/tickets/{ticket.key}"
        due = (ticket.first_response_due_at or utcnow()).strftime("%Y-%m-%d %H:%M UTC")
        values = {"key": ticket.key, "title": ticket.title, "due": due}
        if isinstance(event, SlaBreached):
            subject = _("[{key}] First response overdue: {title}", **values)
            lead = _(
                "The first response to {key} was due at {due} and nobody has answered publicly.", **values
            )
        else:
            subject = _("[{key}] First response due soon: {title}", **values)
            lead = _("The first response to {key} is due at {due}; 80% of the time has gone by.", **values)
        body = "\n".join(
            [
                lead,
                "",
                _(
                    "Organization: {org} · severity {severity}",
                    org=ticket.organization.name,
                    severity=ticket.severity,
                ),
                link,
            ]
        )
        enqueue(
            uow,
            [
                NewJob(
                    destination=destination_key(MAIL_CHANNEL, digest(agent.email)[:32]),
                    kind=KIND,
                    payload={"to": agent.email, "sealed": self._secrets.encrypt(f"{subject}\n{body}")},
                    idempotency_key=idempotency_key(event.event_id, MAIL_CHANNEL, agent.id),
                )
                for agent in recipients
            ],
        )

    def count(self, uow: UnitOfWork) -> None:
        """Metrics after the commit: counted once, by the process whose transaction made the fact."""
        for event in uow.published:
            if isinstance(event, FirstResponded):
                self._metrics.first_response(event.plan, event.severity, event.seconds)
                if not event.met and not event.breach_announced:
                    self._metrics.sla_breach(event.plan, event.severity)  # answered late before the scan
            elif isinstance(event, SlaBreached):
                self._metrics.sla_breach(event.plan, event.severity)
