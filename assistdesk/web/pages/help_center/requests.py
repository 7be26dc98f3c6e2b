"""The help center's requests: the list (one's own, or the organization's for its admins), a new
one, one request with its public conversation, replying, resolving or reopening, attachments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.bridge.mail.follow import follow_state
from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people.models import Contact
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Severity, Status, TicketSource
from assistdesk.domain.tickets.models import Attachment, Ticket
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import DomainError, NotFound
from assistdesk.web.pages.files import attachment_response
from assistdesk.web.pages.forms import (
    errors_of,
    missing_anything,
    never_missing,
    post_comment,
    see_other,
    submit,
)
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.help_center.frame import HOME, page, visible_ticket
from assistdesk.web.pages.presenters import Words, comment_items, ticket_rows
from assistdesk.web.pages.sla_views import expected_by
from assistdesk.web.pages.viewers import Customer, customer

router = APIRouter(prefix="/help")

PAGE_SIZE = 25
FILTERS: dict[str, tuple[Status, ...]] = {
    "active": (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER),
    "waiting_on_customer": (Status.WAITING_ON_CUSTOMER,),
    "resolved": (Status.RESOLVED,),
    "closed": (Status.CLOSED,),
    "all": (),
}


@router.get("/requests")
async def my_requests(
    request: Request, status: str = "active", q: str = "", before: int | None = None, scope: str = "mine"
) -> Response:
    viewer = await customer(request)
    chosen = status if status in FILTERS else "active"
    whole_org = viewer.is_admin and scope == "org"

    def read(session: Session) -> tuple[int, list[Any]]:
        found = tickets.list_tickets(
            session,
            organization_id=viewer.organization_id,
            reporter_id=None if whole_org else viewer.contact_id,
            statuses=FILTERS[chosen],
            text=q.strip()[:200] or None,
            before_id=before,
            limit=PAGE_SIZE + 1,
        )
        return len(found), ticket_rows(found[:PAGE_SIZE])

    found, rows = await runtime_of(request).db.read_async(read)
    params = {"status": chosen, "q": q, "scope": "org" if whole_org else "mine"}
    next_url = f"{HOME}?{urlencode({**params, 'before': rows[-1].id})}" if found > PAGE_SIZE else None
    return page(
        request,
        "help/requests.html",
        viewer,
        rows=rows,
        status_filter=chosen,
        q=q,
        scope=params["scope"],
        filters=list(FILTERS),
        next_url=next_url,
        first_url=f"{HOME}?{urlencode(params)}",
    )


def _attachment_url(attachment_id: int) -> str:
    return f"/help/attachments/{attachment_id}"


async def _ticket_page(
    request: Request, viewer: Customer, key: str, *, status: int = 200, **extra: Any
) -> Response:
    _ = translator(request)

    def read(session: Session) -> dict[str, Any]:
        ticket = visible_ticket(session, viewer, key)
        return {
            "mail_follow": follow_state(session, ticket) if ticket.reporter_id == viewer.contact_id else None,
            "ticket": ticket_rows([ticket])[0],
            "expected": expected_by(ticket, utcnow(), _),
            "description": ticket.description,
            "comments": comment_items(
                tickets.comments_of(session, ticket, public_only=True), _attachment_url, Words(_)
            ),
            "errors": {},
            "draft": "",
        }

    context = await runtime_of(request).db.read_async(read)
    context.update(extra)
    return page(request, "help/ticket.html", viewer, status, **context)


@router.get("/requests/new")
async def new_request_form(request: Request) -> Response:
    viewer = await customer(request)
    return page(request, "help/new.html", viewer, errors={}, values={}, severities=list(Severity))


@router.post("/requests/new")
async def create_request(request: Request) -> Response:
    viewer = await customer(request)
    form = await checked_form(request)
    values = {name: field(form, name) for name in ("title", "description", "severity")}
    prefix = runtime_of(request).settings.ticket_prefix

    def work(uow: UnitOfWork) -> str:
        contact = uow.session.get(Contact, viewer.contact_id)
        assert contact is not None  # the viewer was read a moment ago; contacts are never deleted
        ticket = tickets.create_ticket(
            uow,
            org=contact.organization,
            reporter=contact,
            title=values["title"],
            description=values["description"],
            severity=values["severity"] or None,
            source=TicketSource.PORTAL,
            prefix=prefix,
        )
        return ticket.key

    async def failed(exc: DomainError) -> Response:
        return page(
            request,
            "help/new.html",
            viewer,
            exc.status,
            errors=errors_of(exc),
            values=values,
            severities=list(Severity),
        )

    return await submit(
        request,
        work,
        done=lambda key: see_other(f"/help/requests/{key}"),
        failed=failed,
        missing=never_missing,
    )


@router.get("/requests/{key}")
async def request_page(request: Request, key: str) -> Response:
    return await _ticket_page(request, await customer(request), key)


def _as_contact(uow: UnitOfWork, viewer: Customer, key: str) -> tuple[Ticket, Author]:
    ticket = visible_ticket(uow.session, viewer, key)
    contact = uow.session.get(Contact, viewer.contact_id)
    assert contact is not None  # the viewer was read a moment ago; contacts are never deleted
    return ticket, Author.of_contact(contact)


@router.post("/requests/{key}/reply")
async def reply(request: Request, key: str) -> Response:
    viewer = await customer(request)

    async def failed(exc: DomainError, body: str) -> Response:
        return await _ticket_page(
            request, viewer, key, status=exc.status, errors=errors_of(exc, "body"), draft=body
        )

    return await post_comment(
        request,
        find=lambda uow: _as_contact(uow, viewer, key),
        public=True,
        source=CommentSource.PORTAL,
        done=lambda comment_id: f"/help/requests/{key.upper()}#comment-{comment_id}",
        failed=failed,
    )


@router.post("/requests/{key}/status")
async def change_status(request: Request, key: str) -> Response:
    viewer = await customer(request)
    form = await checked_form(request)
    target = {"resolve": Status.RESOLVED, "reopen": Status.OPEN}.get(field(form, "action"))

    def work(uow: UnitOfWork) -> None:
        ticket, actor = _as_contact(uow, viewer, key)
        if target is None:
            raise NotFound("unknown action")
        tickets.change_status(uow, ticket=ticket, status=target, actor=actor)

    async def failed(exc: DomainError) -> Response:
        return await _ticket_page(request, viewer, key, status=exc.status, errors=errors_of(exc, "status"))

    return await submit(
        request,
        work,
        done=lambda _: see_other(f"/help/requests/{key.upper()}"),
        failed=failed,
        missing=missing_anything,
    )


@router.get("/attachments/{attachment_id}")
async def attachment(request: Request, attachment_id: int) -> Response:
    viewer = await customer(request)

    def read(session: Session) -> Response:
        found = session.get(Attachment, attachment_id)
        comment = found.comment if found is not None else None
        if found is None or comment is None or not comment.public or comment.deleted_at is not None:
            raise NotFound(f"no attachment #{attachment_id} is visible to you")
        ticket = tickets.get_ticket_by_id(session, found.ticket_id)
        visible_ticket(session, viewer, ticket.key)
        return attachment_response(found, session)

    return await runtime_of(request).db.read_async(read)
