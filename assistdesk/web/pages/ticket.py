"""A ticket's page in the console, and its forms: a public reply, an internal note, the side panel's
status, severity and assignee; its attachments.

A public reply and an internal note are two different forms posting to two different addresses, and
the note's form looks nothing like the reply's: there is no switch to forget to flip. The page is read
as plain rows (`domain/tickets/ticket_reads.py`) and presented once (`presenters`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import exists
from sqlalchemy.orm import Session

from assistdesk.bridge.mail.models import BouncingAddress
from assistdesk.bridge.permalinks import thread_permalink
from assistdesk.db.base import table_of
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets import ticket_reads
from assistdesk.domain.tickets.enums import CommentSource
from assistdesk.domain.tickets.models import Attachment, Ticket
from assistdesk.domain.tickets.service import Author
from assistdesk.domain.tickets.ticket_reads import AttachmentLine, CommentLine
from assistdesk.errors import DomainError, NotFound
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.files import attachment_response
from assistdesk.web.pages.forms import errors_of, post_comment, see_other, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.presenters import Words, conversation_items, queue_rows
from assistdesk.web.pages.rendering import part
from assistdesk.web.pages.sla_views import sla_cell
from assistdesk.web.pages.viewers import Staff, staff, staff_in

router = APIRouter(prefix="/agent")


# Whether mail to the reporter bounces (`mail.store.bouncing`), a column of the sheet's statement.
_BOUNCES = table_of(BouncingAddress)
_REPORTER_BOUNCES = exists().where(_BOUNCES.c.email == table_of(Contact).c.email)


def _assignable(request: Request, session: Session) -> tuple[tuple[str, str], ...]:
    """The assignee menu, from the process cache for a second: an agent's row names the cache
    (`Agent.process_cache`), so adding or deactivating one empties it here at once."""
    cache = runtime_of(request).db.cache(Agent.process_cache)
    found: tuple[tuple[str, str], ...] = cache.get(
        ("assignable_agents",), lambda: tuple(ticket_reads.active_agents(session))
    )
    return found


def _attachment_url(attachment_id: int) -> str:
    return f"/agent/attachments/{attachment_id}"


def _no_ticket(key: str) -> NotFound:
    return NotFound(f"no ticket {key.strip()!r}", field="key")


def _context(session: Session, request: Request, key: str, shown: Words) -> dict[str, Any]:
    read = ticket_reads.sheet(session, key[:40], also=(_REPORTER_BOUNCES,))
    if read is None:
        raise _no_ticket(key[:40])
    found, (reporter_bounces,) = read
    line = found.line
    comments, attachments = ticket_reads.conversation(session, line.id, public_only=False)
    lark_domain = runtime_of(request).settings.lark_domain
    statuses, severities = shown.choices()
    cell = sla_cell(line, shown.now)
    return {
        "ticket": queue_rows([line], shown)[0],
        "created": shown.when(line.created_at),
        "sla_due": shown.when(cell.due_at),
        "description": found.description,
        "assignee_email": found.assignee_email,
        "reporter_email": found.reporter_email,
        "reporter_bounces": bool(reporter_bounces),
        "conversation": _conversation(line.id, comments, attachments, shown),
        "org": {
            "name": line.organization,
            "plan": shown.plan(found.plan),
            "features": found.features,
        },
        "threads": [
            {
                "platform": shown.source(t.platform),
                "channel": t.channel,
                "url": thread_permalink(
                    t.platform, t.workspace, t.channel, t.thread_root, lark_domain=lark_domain
                ),
            }
            for t in ticket_reads.chat_threads(session, line.id)
        ],
        "agents": _assignable(request, session),
        "statuses": statuses,
        "severities": severities,
        "errors": {},
        "reply_draft": "",
        "note_draft": "",
    }


def _conversation(
    ticket_id: int, comments: list[CommentLine], attachments: list[AttachmentLine], shown: Words
) -> Markup:
    """The comment list, rendered once per distinct conversation and language (`rendering.part`):
    the comments' markup and escaping were a fifth of the page. It is kept under the ticket and the
    reader's translator with the rows as read, and worked out from those alone (authors, dates,
    labels)."""
    return part(
        "agent/conversation.html",
        (shown._, ticket_id),
        (tuple(comments), tuple(attachments)),
        lambda: {"_": shown._, "comments": conversation_items(comments, attachments, _attachment_url, shown)},
    )


async def _ticket_page(
    request: Request, viewer: Staff, key: str, *, status: int = 200, **extra: Any
) -> Response:
    shown = Words(translator(request))
    context = await runtime_of(request).db.read_async(lambda session: _context(session, request, key, shown))
    context.update(extra)
    return page(request, "agent/ticket.html", viewer, status, **context)


@router.get("/tickets/{key}")
async def ticket_page(request: Request, key: str) -> Response:
    shown = Words(translator(request))

    def read(session: Session) -> tuple[Staff, dict[str, Any]]:
        viewer = staff_in(session, request)
        return viewer, _context(session, request, key, shown)

    viewer, context = await runtime_of(request).db.read_async(read)
    return page(request, "agent/ticket.html", viewer, **context)


def _as_agent(uow: UnitOfWork, viewer: Staff, key: str) -> tuple[Ticket, Author]:
    ticket = tickets.get_ticket(uow.session, key[:40])
    agent = uow.session.get(Agent, viewer.agent_id)
    assert agent is not None  # the viewer was read a moment ago; agents are deactivated, not deleted
    return ticket, Author.of_agent(agent)


async def _comment(request: Request, key: str, *, public: bool) -> Response:
    viewer = await staff(request)
    name = "reply" if public else "note"

    async def failed(exc: DomainError, body: str) -> Response:
        drafts = {f"{name}_draft": body}
        return await _ticket_page(
            request, viewer, key, status=exc.status, errors={name: exc.message}, **drafts
        )

    return await post_comment(
        request,
        find=lambda uow: _as_agent(uow, viewer, key),
        public=public,
        source=CommentSource.CONSOLE,
        done=lambda comment_id: f"/agent/tickets/{key.upper()}#comment-{comment_id}",
        failed=failed,
    )


@router.post("/tickets/{key}/reply")
async def public_reply(request: Request, key: str) -> Response:
    return await _comment(request, key, public=True)


@router.post("/tickets/{key}/note")
async def internal_note(request: Request, key: str) -> Response:
    return await _comment(request, key, public=False)


def _missing_but_assignee(exc: DomainError) -> bool:
    """A missing ticket is the 404 page; a missing assignee is the form's."""
    return isinstance(exc, NotFound) and exc.field != "agent_email"


@router.post("/tickets/{key}/update")
async def update_ticket(request: Request, key: str) -> Response:
    viewer = await staff(request)
    form = await checked_form(request)
    wanted = {name: field(form, name) for name in ("status", "severity", "assignee")}
    if field(form, "assign_to_me"):
        wanted["assignee"] = viewer.email

    def work(uow: UnitOfWork) -> None:
        ticket, actor = _as_agent(uow, viewer, key)
        if wanted["assignee"] != (ticket.assignee.email if ticket.assignee else ""):
            assignee = people.get_agent(uow.session, wanted["assignee"]) if wanted["assignee"] else None
            tickets.assign(uow, ticket=ticket, agent=assignee)
        if wanted["severity"]:
            tickets.change_severity(uow, ticket=ticket, severity=wanted["severity"])
        if wanted["status"]:
            tickets.change_status(uow, ticket=ticket, status=wanted["status"], actor=actor)

    async def failed(exc: DomainError) -> Response:
        return await _ticket_page(request, viewer, key, status=exc.status, errors=errors_of(exc, "update"))

    return await submit(
        request,
        work,
        done=lambda _: see_other(f"/agent/tickets/{key.upper()}"),
        failed=failed,
        missing=_missing_but_assignee,
    )


@router.get("/attachments/{attachment_id}")
async def attachment(request: Request, attachment_id: int) -> Response:
    def read(session: Session) -> Response:
        staff_in(session, request)
        found = session.get(Attachment, attachment_id)
        if found is None:
            raise NotFound(f"no attachment #{attachment_id}")
        return attachment_response(found, session)

    return await runtime_of(request).db.read_async(read)
