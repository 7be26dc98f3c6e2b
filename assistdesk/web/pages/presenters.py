"""What the page templates read: plain values, computed while the database session is open."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assistdesk.bridge.views import author_label
from assistdesk.db.types import utcnow
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket
from assistdesk.web.pages.sla_views import SlaCell, sla_cell


@dataclass(frozen=True)
class AttachmentItem:
    filename: str
    url: str
    size: str
    external: bool


@dataclass(frozen=True)
class CommentItem:
    id: int
    author: str
    author_kind: str
    public: bool
    source: str
    created_at: datetime
    body: str
    deleted: bool
    edited: bool
    attachments: list[AttachmentItem] = field(default_factory=list)


@dataclass(frozen=True)
class TicketRow:
    id: int
    key: str
    title: str
    status: str
    severity: str
    source: str
    organization: str
    reporter: str
    assignee: str
    updated_at: datetime
    created_at: datetime
    sla: SlaCell | None = None


def human_size(size: int) -> str:
    if size <= 0:
        return ""
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return ""


def _is_web_link(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def comment_items(
    comments: Sequence[Comment], attachment_url: Callable[[Attachment], str]
) -> list[CommentItem]:
    items = []
    for c in comments:
        attachments = [
            AttachmentItem(
                filename=a.filename,
                url=attachment_url(a) if a.external_url is None else str(a.external_url),
                size=human_size(a.size),
                external=a.external_url is not None,
            )
            for a in c.attachments
            if a.external_url is None or _is_web_link(a.external_url)
        ]
        deleted = c.deleted_at is not None
        items.append(
            CommentItem(
                id=c.id,
                author=author_label(c.author_name, c.author_kind, c.source),
                author_kind=c.author_kind,
                public=c.public,
                source=c.source,
                created_at=c.created_at,
                body="" if deleted else c.body,
                deleted=deleted,
                edited=c.edited_at is not None,
                attachments=[] if deleted else attachments,
            )
        )
    return items


def ticket_rows(tickets: Sequence[Ticket]) -> list[TicketRow]:
    now = utcnow()
    return [
        TicketRow(
            id=t.id,
            key=t.key,
            title=t.title,
            status=t.status,
            severity=t.severity,
            source=t.source,
            organization=t.organization.name,
            reporter=t.reporter.display_name,
            assignee=t.assignee.display_name if t.assignee else "",
            updated_at=t.updated_at,
            created_at=t.created_at,
            sla=sla_cell(t, now),
        )
        for t in tickets
    ]
