"""Ticket events. `origin` is an opaque mark set by whoever caused the change (a chat thread link,
for instance) so that a subscriber can avoid echoing a message back to where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from assistdesk.domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TicketEvent(DomainEvent):
    ticket_id: int
    origin: str | None = None


@dataclass(frozen=True, kw_only=True)
class TicketCreated(TicketEvent):
    name: ClassVar[str] = "ticket.created"


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(TicketEvent):
    name: ClassVar[str] = "ticket.status_changed"
    old_status: str
    new_status: str
    actor_kind: str
    actor_name: str


@dataclass(frozen=True, kw_only=True)
class TicketSeverityChanged(TicketEvent):
    name: ClassVar[str] = "ticket.severity_changed"
    old_severity: str
    new_severity: str


@dataclass(frozen=True, kw_only=True)
class TicketAssigned(TicketEvent):
    name: ClassVar[str] = "ticket.assigned"
    assignee_id: int | None


@dataclass(frozen=True, kw_only=True)
class CommentAdded(TicketEvent):
    name: ClassVar[str] = "comment.added"
    comment_id: int
    public: bool
    author_kind: str


@dataclass(frozen=True, kw_only=True)
class CommentEdited(TicketEvent):
    name: ClassVar[str] = "comment.edited"
    comment_id: int
    public: bool


@dataclass(frozen=True, kw_only=True)
class CommentDeleted(TicketEvent):
    name: ClassVar[str] = "comment.deleted"
    comment_id: int
    public: bool
