"""The help center's switch for reporters of chat tickets: also hear of this ticket by mail.

Tickets opened by mail, in the help center or through the API are always mailed; a chat ticket's
updates go to its thread, and by mail too once its reporter switches mail on."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assistdesk.bridge.mail import store
from assistdesk.bridge.mail.outbound import MAILED_SOURCES
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.tickets.models import Ticket
from assistdesk.outbox.jobs import idempotency_key


def follow_state(session: Session, ticket: Ticket) -> bool | None:
    """None when the ticket is mailed anyway (nothing to switch); else whether mail is on."""
    if ticket.source in MAILED_SOURCES:
        return None
    found = store.thread(session, ticket.id)
    return found is not None and found.follow


def set_follow(uow: UnitOfWork, *, ticket: Ticket, follow: bool, domain: str) -> None:
    # A thread started here has no mail yet: its root is a stable id the first mail will refer to.
    root = f"<{idempotency_key('thread', ticket.id)}@{domain}>"
    store.set_follow(uow.session, ticket_id=ticket.id, follow=follow, root=root, locale=None)
