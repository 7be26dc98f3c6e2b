"""The payloads of mail jobs, typed: what the outbox row holds and the delivery reads back.

A ticket mail is rendered when it is enqueued, so a retry sends the very same mail (same words,
same `Message-ID`) even if the ticket changed in between.
"""

from __future__ import annotations

from pydantic import BaseModel

LOGIN = "mail.login"
TICKET = "mail.ticket"
# Response-time warnings and breaches to agents (bridge/sla.py): sealed and sent like sign-in mail.
AGENT_NOTICE = "mail.sla"


class LoginMailJob(BaseModel):
    """A help-center sign-in mail (subject and body sealed: they carry the code); agent notices
    (AGENT_NOTICE) use the same shape."""

    to: str
    sealed: str


class TicketMailJob(BaseModel):
    to: str
    ticket_key: str
    message_id: str
    thread_root: str | None
    subject: str
    text: str
    author_name: str = ""
