"""Neutral view-models of what a chat must show, and who must be told.

Platform renderers are pure functions of these (Slack blocks, Lark cards). They travel inside outbox
job payloads as plain dicts, so they are built from the database at enqueue time and carry no ORM
objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from assistdesk.bridge.chat import origin_of_thread
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import TicketThread
from assistdesk.domain.tickets.models import Comment, Ticket


@dataclass(frozen=True)
class TicketCard:
    key: str
    title: str
    status: str
    severity: str
    url: str
    org: str
    reporter_name: str
    reporter_email: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TicketCard:
        return cls(**data)


@dataclass(frozen=True)
class CommentView:
    id: int
    author_name: str
    author_kind: str  # contact, agent, chat
    body: str
    source: str
    created_at: str  # ISO 8601

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommentView:
        return cls(**data)


_PLATFORM_NAMES = {"slack": "Slack", "lark": "Lark"}


def author_label(name: str, kind: str, source: str) -> str:
    """A comment's author as people should read it: an unverified chat identity (someone we could
    not match to a contact) is marked with its platform, "Pat (Slack)", so that nobody takes them
    for a known contact of the organization."""
    if kind == "chat":
        return f"{name} ({_PLATFORM_NAMES.get(source, source)})"
    return name


def ticket_card(ticket: Ticket, *, public_url: str) -> TicketCard:
    return TicketCard(
        key=ticket.key,
        title=ticket.title,
        status=ticket.status,
        severity=ticket.severity,
        url=f"{public_url}/help/requests/{ticket.key}",
        org=ticket.organization.name,
        reporter_name=ticket.reporter.display_name,
        reporter_email=ticket.reporter.email,
        source=ticket.source,
    )


def comment_view(comment: Comment) -> CommentView:
    """A comment as chat shows it. A customer's name is followed by their organization, "Ada (Acme)",
    so that a contact who calls themselves "Dana Reyes (Support)" still cannot pass for an agent in
    a thread where agents' posts carry their names."""
    name = author_label(comment.author_name, comment.author_kind, comment.source)
    if comment.author_kind == "contact":
        name = f"{comment.author_name} ({comment.ticket.organization.name})"
    return CommentView(
        id=comment.id,
        author_name=name,
        author_kind=comment.author_kind,
        body=comment.body,
        source=comment.source,
        created_at=comment.created_at.isoformat(),
    )


def threads_to_tell(
    session: Session, *, ticket_id: int, platform: str, origin: str | None
) -> Sequence[TicketThread]:
    """The ticket's threads on `platform`, except the one the change came from (no echoes)."""
    return [
        t
        for t in links.threads_of(session, ticket_id=ticket_id, platform=platform)
        if origin is None or origin != origin_of_thread(t.id)
    ]
