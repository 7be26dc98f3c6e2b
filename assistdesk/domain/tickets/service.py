"""Ticket use cases, one module each (creation, queries, changes, comments); this module keeps the
names every surface imports in one place."""

from __future__ import annotations

from assistdesk.domain.tickets.authors import Author
from assistdesk.domain.tickets.changes import assign, change_severity, change_status
from assistdesk.domain.tickets.comments import (
    add_attachment,
    add_comment,
    comments_of,
    delete_comment,
    edit_comment,
    get_comment,
)
from assistdesk.domain.tickets.creation import create_ticket
from assistdesk.domain.tickets.enums import AuthorKind, CommentSource, Severity, Status, TicketSource
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket
from assistdesk.domain.tickets.parsing import (
    MAX_ATTACHMENT_BYTES,
    MAX_BODY,
    MAX_TITLE,
    parse_severity,
    parse_sla_filter,
    parse_status,
)
from assistdesk.domain.tickets.queries import (
    count_breaching,
    count_many,
    count_tickets,
    find_ticket,
    get_ticket,
    get_ticket_by_id,
    list_by_due,
    list_tickets,
)

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MAX_BODY",
    "MAX_TITLE",
    "Attachment",
    "Author",
    "AuthorKind",
    "Comment",
    "CommentSource",
    "Severity",
    "Status",
    "Ticket",
    "TicketSource",
    "add_attachment",
    "add_comment",
    "assign",
    "change_severity",
    "change_status",
    "comments_of",
    "count_breaching",
    "count_many",
    "count_tickets",
    "create_ticket",
    "delete_comment",
    "edit_comment",
    "find_ticket",
    "get_comment",
    "get_ticket",
    "get_ticket_by_id",
    "list_by_due",
    "list_tickets",
    "parse_severity",
    "parse_sla_filter",
    "parse_status",
]
