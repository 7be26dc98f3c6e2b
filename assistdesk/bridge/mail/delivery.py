"""Mail jobs to SMTP, dispatched through a table of job kinds (STYLE.md §4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread

from assistdesk.bridge.mail import jobs
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Outcome, PermanentFailure
from assistdesk.platforms.mail import compose, smtp
from assistdesk.security.secretbox import SecretBox
from assistdesk.settings import Settings

Deliver = Callable[[Job], Awaitable[Outcome]]


class MailDelivery:
    def __init__(self, *, settings: Settings, secrets: SecretBox) -> None:
        self._settings = settings
        self._secrets = secrets
        self.kinds: dict[str, Deliver] = {
            jobs.LOGIN: self.sealed,
            jobs.AGENT_NOTICE: self.sealed,
            jobs.TICKET: self.ticket,
        }

    async def deliver(self, job: Job) -> Outcome:
        handler = self.kinds.get(job.kind)
        if handler is None:
            return PermanentFailure(f"unknown mail job kind {job.kind!r}")
        return await handler(job)

    def _smtp_url(self) -> str | None:
        return self._settings.smtp_url.get_secret_value() if self._settings.smtp_url else None

    async def sealed(self, job: Job) -> Outcome:
        payload = jobs.LoginMailJob.model_validate(job.payload)
        subject, _, body = self._secrets.decrypt(payload.sealed).partition("\n")
        mail = smtp.Mail(to=payload.to, subject=subject, body=body)
        domain = self._settings.mail_from.rsplit("@", 1)[-1] or "localhost"
        smtp_url = self._smtp_url()
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

    async def ticket(self, job: Job) -> Outcome:
        payload = jobs.TicketMailJob.model_validate(job.payload)
        envelope = compose.Envelope(
            to=payload.to,
            support_address=self._settings.support_address,
            desk_name=self._settings.support_address.split("@", 1)[0],
            message_id=payload.message_id,
            thread_root=payload.thread_root,
        )
        message = compose.build(
            envelope, subject_line=payload.subject, plain=payload.text, author_name=payload.author_name
        )
        smtp_url = self._smtp_url()
        return await anyio.to_thread.run_sync(
            lambda: smtp.send_message(message, smtp_url=smtp_url, require_tls=self._settings.smtp_require_tls)
        )
