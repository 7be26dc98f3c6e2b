"""Mail, a channel like Slack and Lark: help-center sign-in mail, ticket mail out, and mail in.

`outbound` turns domain events into jobs, `delivery` sends them by kind, `inbound` turns a received
mail into a domain call and `receiving` runs the IMAP reader and the SMTP listener in the worker.
"""

from __future__ import annotations

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.bridge.host import ChannelHost
from assistdesk.bridge.mail import jobs
from assistdesk.bridge.mail.delivery import MailDelivery
from assistdesk.bridge.mail.outbound import MailOutbound
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.access.events import LoginRequested
from assistdesk.domain.tickets.events import CommentAdded, TicketCreated, TicketStatusChanged
from assistdesk.i18n import Catalogs
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import Job, NewJob, destination_key, idempotency_key
from assistdesk.outcomes import Delivered, Outcome
from assistdesk.platforms.mail import smtp
from assistdesk.security.secretbox import SecretBox
from assistdesk.security.tokens import digest
from assistdesk.settings import Settings

CHANNEL = "mail"
KIND = jobs.LOGIN


class MailBridge:
    # The worker records a delivery as plain statements: `after_delivery` writes nothing.
    writes_after_delivery = False

    def __init__(self, *, settings: Settings, secrets: SecretBox, catalogs: Catalogs) -> None:
        self._settings = settings
        self._secrets = secrets
        self._catalogs = catalogs
        self._delivery = MailDelivery(settings=settings, secrets=secrets)
        self.outbound = MailOutbound(settings=settings, catalogs=catalogs)

    def install(self, router: EventRouter) -> None:
        router.subscribe(LoginRequested, self.on_login_requested)
        router.subscribe(TicketCreated, self.outbound.on_ticket_created)
        router.subscribe(CommentAdded, self.outbound.on_comment_added)
        router.subscribe(TicketStatusChanged, self.outbound.on_status_changed)

    def login_mail(self, event: LoginRequested) -> smtp.Mail:
        _ = self._catalogs.translator(event.locale, "web")
        link = f"{self._settings.public_url}/help/login/link?token={event.link_token}"
        body = "\n".join(
            [
                _("Hello,"),
                "",
                _("Use this link to sign in to the help center:"),
                link,
                "",
                _("Or enter this code on the sign-in page: {code}", code=event.code),
                "",
                _("The link and the code work once, for 15 minutes."),
                _("If you did not ask to sign in, you can ignore this mail."),
            ]
        )
        return smtp.Mail(to=event.email, subject=_("Your sign-in code: {code}", code=event.code), body=body)

    def on_login_requested(self, uow: UnitOfWork, event: LoginRequested) -> None:
        mail = self.login_mail(event)
        payload = jobs.LoginMailJob(to=mail.to, sealed=self._secrets.encrypt(f"{mail.subject}\n{mail.body}"))
        enqueue(
            uow,
            [
                NewJob(
                    destination=destination_key(CHANNEL, digest(mail.to)[:32]),
                    kind=jobs.LOGIN,
                    payload=payload.model_dump(mode="json"),
                    idempotency_key=idempotency_key(event.event_id, CHANNEL),
                )
            ],
        )

    async def deliver(self, job: Job) -> Outcome:
        return await self._delivery.deliver(job)

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        """Nothing to record: the outgoing Message-ID was written when the job was enqueued."""


def install(host: ChannelHost) -> MailBridge:
    """Mail is always on: sign-in mail needs it. Mail in runs only where IMAP or SMTP_LISTEN is set."""
    from assistdesk.bridge.mail.receiving import services  # imports this package's modules

    mail = MailBridge(settings=host.settings, secrets=host.secrets, catalogs=host.catalogs)
    mail.install(host.router)
    host.handlers[CHANNEL] = mail
    host.worker_services.extend(services(db=host.db, settings=host.settings))
    return mail
