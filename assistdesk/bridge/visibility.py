"""Which of an organization's tickets a person in a chat group may ask about (`@bot status KEY`).

The help center shows a contact who is not an admin only their own requests. A chat command must not
be a way around that: every member of a connected group could otherwise read any ticket of the
organization by key. So a group sees a ticket that already has a thread in it (everyone there has
seen it raised), and otherwise only its reporter and the organization's admins do, recognised by
the chat identity matched to their contact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatIdentity
from assistdesk.domain.people.models import Contact
from assistdesk.domain.tickets.models import Ticket

if TYPE_CHECKING:
    from assistdesk.domain.links.places import ChatPlace


def may_see(session: Session, place: ChatPlace, asker: str | None, ticket: Ticket) -> bool:
    return _threaded_here(session, place, ticket.id) or _reporter_or_admin(session, place, asker, ticket)


def _threaded_here(session: Session, place: ChatPlace, ticket_id: int) -> bool:
    return any(
        t.workspace == place.workspace and t.channel == place.channel
        for t in links.threads_of(session, ticket_id=ticket_id, platform=place.platform)
    )


def _reporter_or_admin(session: Session, place: ChatPlace, asker: str | None, ticket: Ticket) -> bool:
    if not asker:
        return False
    contact_id = session.scalar(
        select(ChatIdentity.contact_id).where(
            ChatIdentity.platform == place.platform,
            ChatIdentity.workspace == place.workspace,
            ChatIdentity.user_id == asker,
        )
    )
    contact = session.get(Contact, contact_id) if contact_id is not None else None
    if contact is None or contact.organization_id != ticket.organization_id:
        return False
    return contact.id == ticket.reporter_id or contact.is_admin
