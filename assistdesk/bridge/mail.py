"""Help-center mail (sign-in links and codes), delivered through the outbox like every other message.

The job is written in the transaction that issued the code; its body is sealed with the instance key,
so the code never sits in the database in clear (the login table keeps only digests).
"""

from __future__ import annotations

import anyio.to_thread

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.access.events import LoginRequested
from assistdesk.i18n import Catalogs
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import Job, NewJob, destination_key, idempotency_key
from assistdesk.outcomes import Delivered, Outcome
from assistdesk.platforms.mail import smtp
from assistdesk.security.secretbox import SecretBox
from assistdesk.security.tokens import digest
from assistdesk.settings import Settings

CHANNEL = "mail"
KIND = "mail.login"


class MailBridge:
    def __init__(self, *, settings: Settings, secrets: SecretBox, catalogs: Catalogs) -> None:
        self._settings = settings
        self._secrets = secrets
        self._catalogs = catalogs

    def install(self, router: EventRouter) -> None:
        router.subscribe(LoginRequested, self.on_login_requested)

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
        enqueue(
            uow,
            [
                NewJob(
                    destination=destination_key(CHANNEL, digest(mail.to)[:32]),
                    kind=KIND,
                    payload={"to": mail.to, "sealed": self._secrets.encrypt(f"{mail.subject}\n{mail.body}")},
                    idempotency_key=idempotency_key(event.event_id, CHANNEL),
                )
            ],
        )

    async def deliver(self, job: Job) -> Outcome:
        subject, _, body = self._secrets.decrypt(str(job.payload["sealed"])).partition("\n")
        mail = smtp.Mail(to=str(job.payload["to"]), subject=subject, body=body)
        smtp_url = self._settings.smtp_url.get_secret_value() if self._settings.smtp_url else None
        domain = self._settings.mail_from.rsplit("@", 1)[-1] or "localhost"
        return await anyio.to_thread.run_sync(
            lambda: smtp.send(
                mail,
                smtp_url=smtp_url,
                sender=self._settings.mail_from,
                # The same id on every retry: a mail that went out before we lost the answer is
                # recognised as one message by the recipient's mail system.
                message_id=f"<{job.idempotency_key}@{domain}>",
                require_tls=self._settings.smtp_require_tls,
            )
        )

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        """Nothing to record: a mail has no reply to keep."""
