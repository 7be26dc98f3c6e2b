"""Chat requests and thread replies, the same for every chat platform.

Platform adapters parse their payloads into neutral values (`ChatPlace` from `domain.links.places`,
`ChatPerson`, `ChatFile` below) and call one function here per user action. Everything here runs
inside the caller's unit of work, so the ticket, its chat links and the messages it must send
commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from assistdesk.bridge import visibility
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.channel_orgs import ChannelOrg, channel_org
from assistdesk.domain.links.models import ChatIdentity, ChatPlatform, Direction, TicketThread
from assistdesk.domain.links.places import ChatPlace as ChatPlace  # re-exported for the channels
from assistdesk.domain.orgs.entitlements import plan_mode
from assistdesk.domain.orgs.enums import ChatMode, Feature, FeatureState
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Contact
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Status, TicketSource
from assistdesk.domain.tickets.models import Ticket
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import NotAllowed

_FEATURE = {ChatPlatform.SLACK: Feature.SLACK, ChatPlatform.LARK: Feature.LARK}


def origin_of_thread(thread_id: int) -> str:
    """The `origin` mark of changes made from a chat thread: notices skip the thread they came from."""
    return f"thread:{thread_id}"


@dataclass(frozen=True)
class ChatPerson:
    user_id: str
    display_name: str
    email: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class ChatFile:
    """A file shared in a thread: its bytes when we could fetch them, else only its permalink."""

    name: str
    content_type: str | None = None
    url: str | None = None
    content: bytes | None = None


# Entitlement -------------------------------------------------------------------------------------


class Access(StrEnum):
    ALLOWED = "allowed"
    NOT_CONNECTED = "not_connected"  # the channel belongs to no organization
    PLAN_TOO_LOW = "plan_too_low"  # the organization's plan does not include the feature
    NOT_ENABLED = "not_enabled"  # the plan allows it, but it was not (or not yet) enabled


@dataclass(frozen=True)
class Entitlement:
    access: Access
    feature: str
    organization: str | None = None
    plan: str | None = None
    required_plan: str | None = None
    feature_state: str | None = None  # off, requested, enabled, suspended
    mode: ChatMode = ChatMode.NONE  # what the channel may do now (domain.orgs.entitlements)

    @property
    def allowed(self) -> bool:
        return self.access is Access.ALLOWED

    @property
    def interacts(self) -> bool:
        """Two-way: thread replies become comments; Slack's 🎫 and /assist open requests."""
        return self.allowed and self.mode is ChatMode.INTERACT


class NotEntitled(NotAllowed):
    """Raised by the use cases below; platforms explain `entitlement` in their own words."""

    def __init__(self, entitlement: Entitlement) -> None:
        super().__init__(f"chat requests are not available here ({entitlement.access.value})")
        self.entitlement = entitlement


def entitlement(session: Session, place: ChatPlace) -> Entitlement:
    """What `place` may do now; one statement (asked at every inbound event)."""
    return entitlement_of(place, channel_org(session, place, feature_of(place.platform)))


def feature_of(platform: str) -> Feature:
    """The plan feature that chat requests from `platform` need."""
    return _FEATURE[ChatPlatform(platform)]


def entitlement_of(place: ChatPlace, org: ChannelOrg | None) -> Entitlement:
    """`entitlement` from its channel's organization, read with `feature_of(place.platform)` (the ack path
    reads it beside the thread: batch.threads_at)."""
    feature = feature_of(place.platform)
    if org is None:
        return Entitlement(Access.NOT_CONNECTED, feature.value, required_plan=feature.minimum_plan.value)
    common: dict[str, Any] = {
        "feature": feature.value,
        "organization": org.name,
        "plan": org.plan.value,
        "required_plan": feature.minimum_plan.value,
        "feature_state": org.state.value,
    }
    if not feature.allowed_on(org.plan):
        return Entitlement(Access.PLAN_TOO_LOW, **common)
    if org.state is not FeatureState.ENABLED:
        return Entitlement(Access.NOT_ENABLED, **common)
    return Entitlement(Access.ALLOWED, **common, mode=plan_mode(org.plan))  # as channel_mode, enabled


# Opening a request -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketRef:
    ticket_id: int
    key: str
    title: str
    status: str
    severity: str
    url: str
    thread_id: int | None = None
    created: bool = False


def _ref(
    ticket: Ticket, public_url: str, thread: TicketThread | None = None, *, created: bool = False
) -> TicketRef:
    return TicketRef(
        ticket_id=ticket.id,
        key=ticket.key,
        title=ticket.title,
        status=ticket.status,
        severity=ticket.severity,
        url=f"{public_url}/help/requests/{ticket.key}",
        thread_id=thread.id if thread is not None else None,
        created=created,
    )


def ticket_at(session: Session, place: ChatPlace, message_id: str, *, public_url: str) -> TicketRef | None:
    """The ticket whose thread hangs off this message, if any (a second 🎫 shows it)."""
    thread = links.find_thread(session, place, thread_root=message_id)
    if thread is None:
        return None
    return _ref(tickets.get_ticket_by_id(session, thread.ticket_id), public_url, thread)


def open_request(
    uow: UnitOfWork,
    *,
    place: ChatPlace,
    requester: ChatPerson,
    reporter_email: str,
    title: str,
    description: str,
    severity: str | None,
    thread_root: str | None,
    prefix: str,
    public_url: str,
) -> TicketRef:
    """Create a ticket from a chat form, linked to the thread it will be discussed in.

    `thread_root` is the chat message the thread hangs off, when it exists already (a reacted
    message, the message that mentioned the bot); None when our own post will start the thread
    (`/assist`), whose id is recorded when that post is delivered.

    At most one ticket per thread, even when two people submit at the same moment: the first
    transaction claims the thread; the second waits for it and then returns its ticket.
    Raises NotEntitled, or Invalid with `field` naming the form input at fault.
    """
    session = uow.session
    allowed = entitlement(session, place)
    if not allowed.allowed:
        raise NotEntitled(allowed)
    if thread_root is not None:
        existing = ticket_at(session, place, thread_root, public_url=public_url)
        if existing is not None:
            return existing
        claim = f"thread:{place.workspace}:{place.channel}:{thread_root}"
        if not links.claim_receipt(uow, platform=place.platform, key=claim):
            # Another submission claimed this thread and has committed by now (the claim waited).
            existing = ticket_at(session, place, thread_root, public_url=public_url)
            if existing is not None:
                return existing
    link = links.find_channel_link(session, place)
    assert link is not None  # entitlement() found it
    org = link.organization
    identity = _identify(uow, place, requester)
    reporter = people.resolve_reporter(uow, org=org, email=reporter_email, name=requester.display_name)
    if identity.contact_id is None and identity.email == reporter.email:
        identity.contact_id = reporter.id
    ticket = tickets.create_ticket(
        uow,
        org=org,
        reporter=reporter,
        title=title,
        description=description,
        severity=severity,
        source=TicketSource(place.platform),
        prefix=prefix,
    )
    thread = links.open_thread(
        uow, place, ticket_id=ticket.id, thread_root=thread_root, locale=requester.locale
    )
    if thread_root is not None:
        links.record_message(
            uow,
            place,
            message_id=thread_root,
            direction=Direction.INBOUND,
            ticket_id=ticket.id,
            thread_id=thread.id,
        )
    return _ref(ticket, public_url, thread, created=True)


def ticket_in_channel(
    session: Session, place: ChatPlace, key: str, *, public_url: str, asker: str | None = None
) -> TicketRef | None:
    """A ticket by key, as the help center would show it to the person asking: only a ticket of the
    channel's organization, and of those only one that already has a thread in this very channel
    (everyone here has seen it), or whose reporter is the asker, or any when the asker is one of
    the organization's admins (asker: the platform user id, matched to a contact by their identity).
    Anything else reads as "no such request", like a key that does not exist."""
    link = links.find_channel_link(session, place)
    if link is None:
        return None
    ticket = tickets.find_ticket(session, key)
    if ticket is None or ticket.organization_id != link.organization_id:
        return None
    return _ref(ticket, public_url) if visibility.may_see(session, place, asker, ticket) else None


# Thread replies ------------------------------------------------------------------------------------


class ReplyOutcome(StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"  # already stored (a redelivery), or a message we posted ourselves
    NOT_A_TICKET_THREAD = "not_a_ticket_thread"
    TICKET_CLOSED = "ticket_closed"


@dataclass(frozen=True)
class ReplyResult:
    outcome: ReplyOutcome
    ticket: TicketRef | None = None
    comment_id: int | None = None
    reopened: bool = False
    attachments: list[int] = field(default_factory=list)


def _identify(uow: UnitOfWork, place: ChatPlace, person: ChatPerson) -> ChatIdentity:
    """What we know of the person, refreshed from what the platform just told us."""
    return links.upsert_identity(
        uow,
        platform=place.platform,
        workspace=place.workspace,
        user_id=person.user_id,
        display_name=person.display_name,
        email=person.email,
        locale=person.locale,
    )


def _author_for(uow: UnitOfWork, place: ChatPlace, person: ChatPerson, ticket: Ticket) -> Author:
    identity = _identify(uow, place, person)
    if identity.contact_id is not None:
        contact = uow.session.get(Contact, identity.contact_id)
        if contact is not None and contact.organization_id == ticket.organization_id:
            return Author.of_contact(contact, chat_identity_id=identity.id)
    return Author.of_chat(chat_identity_id=identity.id, display_name=identity.display_name or person.user_id)


def add_reply(
    uow: UnitOfWork,
    *,
    place: ChatPlace,
    thread_root: str,
    message_id: str,
    author: ChatPerson,
    text: str,
    files: Sequence[ChatFile] = (),
    public_url: str,
) -> ReplyResult:
    """A customer's message in a ticket's thread becomes a public comment, exactly once."""
    session = uow.session
    thread = links.find_thread(session, place, thread_root=thread_root)
    if thread is None:
        return ReplyResult(ReplyOutcome.NOT_A_TICKET_THREAD)
    ticket = tickets.get_ticket_by_id(session, thread.ticket_id)
    ref = _ref(ticket, public_url, thread)
    fresh = links.record_message(
        uow,
        place,
        message_id=message_id,
        direction=Direction.INBOUND,
        ticket_id=ticket.id,
        thread_id=thread.id,
    )
    if not fresh:
        return ReplyResult(ReplyOutcome.DUPLICATE, ref)
    if ticket.status == Status.CLOSED.value:
        return ReplyResult(ReplyOutcome.TICKET_CLOSED, ref)
    before = ticket.status
    comment = tickets.add_comment(
        uow,
        ticket=ticket,
        author=_author_for(uow, place, author, ticket),
        body=text,
        public=True,
        source=CommentSource(place.platform),
        origin=origin_of_thread(thread.id),
        allow_empty=bool(files),
    )
    saved = [
        tickets.add_attachment(
            uow,
            comment=comment,
            filename=f.name,
            content_type=f.content_type,
            content=f.content,
            external_url=f.url,
        ).id
        for f in files
    ]
    links.attach_comment(uow, place, message_id=message_id, comment_id=comment.id)
    return ReplyResult(
        ReplyOutcome.ADDED,
        _ref(ticket, public_url, thread),
        comment_id=comment.id,
        reopened=before != ticket.status,
        attachments=saved,
    )


def _comment_of(session: Session, place: ChatPlace, message_id: str) -> tuple[int, int] | None:
    message = links.find_message(session, place, message_id=message_id)
    if message is None or message.comment_id is None or message.direction != Direction.INBOUND.value:
        return None
    return message.comment_id, message.thread_id or 0


def edit_reply(uow: UnitOfWork, *, place: ChatPlace, message_id: str, text: str) -> bool:
    """An edited chat reply updates its comment; False when the message is not a stored reply."""
    found = _comment_of(uow.session, place, message_id)
    if found is None:
        return False
    comment = tickets.get_comment(uow.session, found[0])
    return tickets.edit_comment(uow, comment=comment, body=text, origin=origin_of_thread(found[1]))


def delete_reply(uow: UnitOfWork, *, place: ChatPlace, message_id: str) -> bool:
    """A deleted chat reply marks its comment deleted (kept for the record)."""
    found = _comment_of(uow.session, place, message_id)
    if found is None:
        return False
    comment = tickets.get_comment(uow.session, found[0])
    return tickets.delete_comment(uow, comment=comment, origin=origin_of_thread(found[1]))


def is_our_message(session: Session, place: ChatPlace, message_id: str) -> bool:
    """Loop prevention by identity: True for messages we posted (recorded when delivered)."""
    message = links.find_message(session, place, message_id=message_id)
    return message is not None and message.direction == Direction.OUTBOUND.value
