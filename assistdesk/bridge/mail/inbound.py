"""A received mail to one domain call: a new ticket, a comment, or nothing (and why).

A fixed list of guards, each with its reason (STYLE.md §2): the Message-ID is claimed first (the
receipt: a mail read twice counts once) → machine mail is dropped (bounces mark the address) → our
own mail is dropped → a flooding sender is held → a reply finds its ticket by `In-Reply-To` /
`References`, else by `[KEY]` from a contact of that ticket's organization → anything else from a
contact or an organization's domain opens a ticket; from anyone else it is held for an admin.
All of it happens in the caller's transaction, so the receipt exists if and only if the work does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from assistdesk.bridge.mail import store
from assistdesk.bridge.mail.models import Direction, HoldReason
from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs.service import org_for_email_domain
from assistdesk.domain.people.models import Contact
from assistdesk.domain.people.service import add_contact, find_agent, find_contact
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Status, TicketSource
from assistdesk.domain.tickets.models import Comment, Ticket
from assistdesk.errors import DomainError, Invalid
from assistdesk.platforms.mail import automatic, quotes
from assistdesk.platforms.mail.message import InboundMail

ORIGIN = "mail"
NO_SUBJECT = "(no subject)"


class Verdict(StrEnum):
    TICKET = "ticket"
    COMMENT = "comment"
    DUPLICATE = "duplicate"
    AUTOMATIC = "automatic"
    OWN = "own"
    HELD = "held"


@dataclass(frozen=True)
class Received:
    verdict: Verdict
    ticket_key: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Rules:
    support_address: str
    prefix: str
    flood_limit: int
    max_bytes: int


def receive(uow: UnitOfWork, mail: InboundMail, raw: bytes, rules: Rules) -> Received:
    session = uow.session
    if not store.claim(session, message_id=mail.message_id, direction=Direction.INBOUND, sender=mail.sender):
        return Received(Verdict.DUPLICATE)
    if mail.automatic is not None:
        if mail.bounced:
            store.mark_bouncing(session, emails=mail.bounced, reason=mail.subject or automatic.BOUNCE)
        return Received(Verdict.AUTOMATIC, reason=mail.automatic)
    if not mail.sender or "@" not in mail.sender or mail.sender == rules.support_address:
        return Received(Verdict.OWN)
    if find_agent(session, mail.sender) is not None and not mail.thread_ids:
        return Received(Verdict.OWN)  # an agent's copy of their own mail
    if mail.size > rules.max_bytes:
        return _hold(uow, mail, b"", HoldReason.TOO_LARGE)
    hour_ago = utcnow() - timedelta(hours=1)
    if store.received_since(session, sender=mail.sender, since=hour_ago) > rules.flood_limit:
        return _hold(uow, mail, raw, HoldReason.FLOOD)
    ticket = _replied_ticket(uow, mail, raw, rules)
    if isinstance(ticket, Received):
        return ticket
    contact = _contact_for(uow, mail.sender, mail.sender_name)
    if ticket is not None:
        if contact is None or contact.organization_id != ticket.organization_id:
            return _hold(uow, mail, raw, HoldReason.UNKNOWN_SENDER)
        if Status(ticket.status) is not Status.CLOSED:
            _comment(uow, ticket, contact, mail)
            store.set_ticket(session, message_id=mail.message_id, ticket_id=ticket.id)
            return Received(Verdict.COMMENT, ticket.key)
    if contact is None:
        return _hold(uow, mail, raw, HoldReason.UNKNOWN_SENDER)
    created = open_ticket(uow, mail, contact, rules.prefix)
    return Received(Verdict.TICKET, created.key)


def _replied_ticket(uow: UnitOfWork, mail: InboundMail, raw: bytes, rules: Rules) -> Ticket | Received | None:
    """The ticket this mail answers, by its mail ids, else by `[KEY]` from that organization."""
    ticket_id = store.ticket_of(uow.session, mail.thread_ids)
    if ticket_id is not None:
        return tickets.get_ticket_by_id(uow.session, ticket_id)
    key = quotes.ticket_key(mail.subject, rules.prefix)
    if key is None:
        return None
    found = tickets.find_ticket(uow.session, key)
    if found is None:
        return None
    contact = _contact_for(uow, mail.sender, mail.sender_name)
    if contact is None or contact.organization_id != found.organization_id:
        # A stranger naming someone else's ticket: no comment, an admin looks at it.
        return _hold(uow, mail, raw, HoldReason.FORGED_KEY)
    return found


def _contact_for(uow: UnitOfWork, sender: str, name: str) -> Contact | None:
    contact = find_contact(uow.session, sender)
    if contact is not None:
        return contact
    org = org_for_email_domain(uow.session, sender.rsplit("@", 1)[-1])
    if org is None:
        return None
    try:
        return add_contact(uow, email=sender, org=org, name=name)
    except DomainError:  # not a valid address, or an agent's
        return None


def open_ticket(uow: UnitOfWork, mail: InboundMail, contact: Contact, prefix: str) -> Ticket:
    title = quotes.title_of(mail.subject, prefix)[: tickets.MAX_TITLE] or NO_SUBJECT
    ticket = tickets.create_ticket(
        uow,
        org=contact.organization,
        reporter=contact,
        title=title,
        description=_body(mail),
        source=TicketSource.EMAIL,
        prefix=prefix,
        origin=ORIGIN,
    )
    store.set_ticket(uow.session, message_id=mail.message_id, ticket_id=ticket.id)
    store.new_thread(uow.session, ticket_id=ticket.id, root=mail.message_id, locale=mail.language)
    if mail.attachments:
        # Files hang off a comment; the ticket's first one says where they came from.
        holder = tickets.add_comment(
            uow,
            ticket=ticket,
            author=tickets.Author.of_contact(contact),
            body="",
            public=True,
            source=CommentSource.EMAIL,
            origin=ORIGIN,
            allow_empty=True,
        )
        _attach(uow, holder, mail)
    return ticket


def _comment(uow: UnitOfWork, ticket: Ticket, contact: Contact, mail: InboundMail) -> Comment:
    comment = tickets.add_comment(
        uow,
        ticket=ticket,
        author=tickets.Author.of_contact(contact),
        body=_body(mail),
        public=True,
        source=CommentSource.EMAIL,
        origin=ORIGIN,
        allow_empty=bool(mail.attachments),
    )
    _attach(uow, comment, mail)
    return comment


def _body(mail: InboundMail) -> str:
    text = quotes.latest_reply(mail.text)[: tickets.MAX_BODY]
    if mail.dropped_attachments:
        text += f"\n\n({mail.dropped_attachments} more attachments were not kept)"
    return text.strip()


def _attach(uow: UnitOfWork, comment: Comment, mail: InboundMail) -> None:
    for file in mail.attachments:
        try:
            tickets.add_attachment(
                uow,
                comment=comment,
                filename=file.filename,
                content_type=file.content_type,
                content=file.content,
            )
        except Invalid:
            continue  # too large or badly named: the mail's text is still taken


def _hold(uow: UnitOfWork, mail: InboundMail, raw: bytes, reason: HoldReason) -> Received:
    store.hold(
        uow.session,
        message_id=mail.message_id,
        sender=mail.sender,
        sender_name=mail.sender_name,
        subject=mail.subject,
        reason=reason.value,
        raw=raw,
    )
    return Received(Verdict.HELD, reason=reason.value)
