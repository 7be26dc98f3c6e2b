"""What an admin does with held mail: accept it (the sender becomes a contact of the organization
the admin picks, and the mail opens a ticket, acknowledged like any other) or discard it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge.mail import inbound, store
from assistdesk.bridge.mail.models import BouncingAddress, HeldMail, HoldReason
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people.service import add_contact, find_contact
from assistdesk.domain.tickets.models import Ticket
from assistdesk.errors import Conflict, Invalid, NotFound
from assistdesk.platforms.mail import message


def _held(uow: UnitOfWork, held_id: int) -> HeldMail:
    found = store.get_held(uow.session, held_id)
    if found is None:
        raise NotFound(f"no held mail #{held_id}")
    return found


def accept(uow: UnitOfWork, *, held_id: int, org_name: str, prefix: str) -> Ticket:
    held = _held(uow, held_id)
    if held.reason == HoldReason.TOO_LARGE.value or not held.raw:
        raise Conflict("this mail was too large to keep; it can only be discarded", field="org")
    mail = message.parse(held.raw)
    contact = find_contact(uow.session, held.sender)
    if contact is None:
        org = orgs.get_org(uow.session, org_name) if org_name.strip() else None
        if org is None:
            raise Invalid("choose the organization the sender belongs to", field="org")
        contact = add_contact(uow, email=held.sender, org=org, name=held.sender_name)
    ticket = inbound.open_ticket(uow, mail, contact, prefix)
    uow.session.delete(held)
    uow.session.flush()
    return ticket


def discard(uow: UnitOfWork, *, held_id: int) -> None:
    if not store.discard(uow.session, held_id):
        raise NotFound(f"no held mail #{held_id}")


def bouncing(session: Session, *, limit: int = 100) -> list[BouncingAddress]:
    stmt = select(BouncingAddress).order_by(BouncingAddress.bounced_at.desc()).limit(limit)
    return list(session.scalars(stmt).all())
