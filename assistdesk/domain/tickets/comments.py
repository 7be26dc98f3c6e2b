"""Comments and their attachments: add, edit, delete (soft), list."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.sql import add_new
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.sla import clock
from assistdesk.domain.text import clean_line, clean_text
from assistdesk.domain.tickets.authors import Author
from assistdesk.domain.tickets.changes import apply_status
from assistdesk.domain.tickets.enums import AuthorKind, CommentSource, Status
from assistdesk.domain.tickets.events import CommentAdded, CommentDeleted, CommentEdited
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket
from assistdesk.domain.tickets.parsing import MAX_ATTACHMENT_BYTES, MAX_BODY
from assistdesk.domain.tickets.workflow import REOPENED_BY_CUSTOMER
from assistdesk.errors import Conflict, Invalid, NotAllowed, NotFound
from assistdesk.mediatypes import clean_media_type

_TICKETS = table_of(Ticket)
# Built once, and run without the ORM's flush, on the driver's cursor: every comment moves its
# ticket's `updated_at`.
_TOUCH = DriverStatement(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"))
    .values(updated_at=bindparam("at", type_=_TICKETS.c.updated_at.type))
)


def add_comment(
    work: Work,
    *,
    ticket: Ticket,
    author: Author,
    body: str,
    public: bool,
    source: CommentSource,
    origin: str | None = None,
    allow_empty: bool = False,
) -> Comment:
    text = clean_text(body, field="body", max_length=MAX_BODY, required=not allow_empty)
    status = Status(ticket.status)
    if status is Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed; open a new request instead", field="body")
    if author.is_customer and not public:
        raise NotAllowed("customers cannot write internal notes", field="public")
    now = utcnow()
    comment = Comment(
        ticket_id=ticket.id,
        body=text,
        public=public,
        source=source.value,
        author_kind=author.kind.value,
        author_contact_id=author.contact_id,
        author_agent_id=author.agent_id,
        author_chat_id=author.chat_identity_id,
        author_name=author.name[:200],
        author_email=author.email,
        created_at=now,
        # Known empty: set now, the collection is not loaded again by whoever shows the comment.
        attachments=[],
    )
    add_new(work.session, comment)
    _TOUCH.rowcount(work.session.connection(), {"ticket_id": ticket.id, "at": now})
    set_committed_value(ticket, "updated_at", now)
    if public and author.kind is AuthorKind.AGENT:
        # The first public reply by an agent, from any surface, stops the response clock.
        clock.record_first_response(work, ticket=ticket, at=now, origin=origin)
    work.emit(
        CommentAdded(
            ticket_id=ticket.id,
            origin=origin,
            comment_id=comment.id,
            public=public,
            author_kind=author.kind.value,
        )
    )
    if author.is_customer and status in REOPENED_BY_CUSTOMER:
        apply_status(work, ticket, status, Status.OPEN, author, origin)
    return comment


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"no comment #{comment_id}")
    return comment


def edit_comment(work: Work, *, comment: Comment, body: str, origin: str | None = None) -> bool:
    text = clean_text(body, field="body", max_length=MAX_BODY, required=True)
    if comment.deleted_at is not None or text == comment.body:
        return False
    comment.body = text
    comment.edited_at = utcnow()
    return _changed(work, comment, CommentEdited, origin)


def delete_comment(work: Work, *, comment: Comment, origin: str | None = None) -> bool:
    """Marks the comment deleted; its row stays so the history shows that something was removed."""
    if comment.deleted_at is not None:
        return False
    comment.deleted_at = utcnow()
    return _changed(work, comment, CommentDeleted, origin)


def _changed(
    work: Work, comment: Comment, event: type[CommentEdited | CommentDeleted], origin: str | None
) -> bool:
    """Write the change, then tell of it (channels replace what showed the comment): True, changed."""
    work.session.flush()
    work.emit(event(ticket_id=comment.ticket_id, origin=origin, comment_id=comment.id, public=comment.public))
    return True


def comments_of(session: Session, ticket: Ticket, *, public_only: bool) -> Sequence[Comment]:
    stmt = select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)
    if public_only:
        stmt = stmt.where(Comment.public.is_(True))
    return session.scalars(stmt).all()


def add_attachment(
    work: Work,
    *,
    comment: Comment,
    filename: str,
    content_type: str | None,
    content: bytes | None = None,
    external_url: str | None = None,
) -> Attachment:
    name = clean_line(filename, field="filename", max_length=255)
    if content is None and not external_url:
        raise Invalid("an attachment needs content or a link", field="attachment")
    if content is not None and len(content) > MAX_ATTACHMENT_BYTES:
        raise Invalid(f"{name} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB", field="attachment")
    attachment = Attachment(
        ticket_id=comment.ticket_id,
        comment_id=comment.id,
        filename=name,
        content_type=clean_media_type(content_type),
        size=len(content) if content is not None else 0,
        content=content,
        external_url=external_url,
    )
    work.session.add(attachment)
    comment.attachments.append(attachment)
    work.session.flush()
    return attachment
