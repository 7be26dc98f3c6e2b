"""The agents' console: queues, a ticket's page, replies and internal notes.

A public reply and an internal note are two different forms posting to two different addresses, and
the note's form looks nothing like the reply's: there is no switch to forget to flip.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from assistdesk.bridge.mail import store as mail_store
from assistdesk.bridge.permalinks import thread_permalink
from assistdesk.domain.access import service as access
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs.enums import Feature
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Severity, Status
from assistdesk.domain.tickets.models import Attachment
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import DomainError, NotFound
from assistdesk.web.pages.files import attachment_response
from assistdesk.web.pages.forms import errors_of, uploads, write_comment
from assistdesk.web.pages.guard import (
    checked_form,
    count_failed_sign_in,
    field,
    local_path,
    runtime_of,
    set_cookie,
    sign_in_open,
    translator,
)
from assistdesk.web.pages.presenters import comment_items, ticket_rows
from assistdesk.web.pages.rendering import render
from assistdesk.web.pages.viewers import AGENT_COOKIE, Staff, end_session, keep_session, staff

router = APIRouter(prefix="/agent")

PAGE_SIZE = 50
COUNT_CAP = 1000
NEXT_COOKIE = "adk_agent_next"
QUEUES = ("new", "mine", "waiting", "all", "breaching")
# Queues ordered by first-response due time (offset-paged); the others are newest first.
DUE_ORDERED = ("new", "breaching")
BREACHING_WITHIN = timedelta(hours=1)
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


def page(
    request: Request, template: str, viewer: Staff | None, status: int = 200, **context: Any
) -> Response:
    _ = translator(request)
    return render(
        request,
        template,
        {"viewer": viewer, "site_name": _("Agent console"), "home_url": "/agent/queue/new", **context},
        status=status,
    )


def _queue_filter(queue: str, agent_id: int) -> dict[str, Any]:
    filters: dict[str, dict[str, Any]] = {
        "new": {"statuses": (Status.OPEN,), "unassigned": True},
        "mine": {"statuses": WORKING, "assignee_id": agent_id},
        "waiting": {"statuses": (Status.WAITING_ON_CUSTOMER,)},
        "all": {},
        "breaching": {},
    }
    return filters[queue]


def _counts(session: Session, agent_id: int) -> dict[str, str]:
    plain = [q for q in QUEUES if q != "breaching"]
    counts = tickets.count_many(session, {q: _queue_filter(q, agent_id) for q in plain}, cap=COUNT_CAP)
    counts["breaching"] = tickets.count_breaching(session, within=BREACHING_WITHIN, cap=COUNT_CAP)
    return {q: f"{COUNT_CAP}+" if n > COUNT_CAP else str(n) for q, n in counts.items()}


# Signing in --------------------------------------------------------------------------------------


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    response = page(request, "agent/login.html", None, errors={}, email="")
    target = local_path(next, under="/agent/", default="")
    if target:
        set_cookie(request, response, NEXT_COOKIE, target, path="/agent", max_age=3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    email, password = field(form, "email").strip(), field(form, "password")
    runtime = runtime_of(request)

    _ = translator(request)
    # Only failures count: an agent who signs in many times a day is never locked out.
    if not await anyio.to_thread.run_sync(sign_in_open, request, "password", email):
        return page(
            request,
            "agent/login.html",
            None,
            429,
            errors={"form": _("Too many attempts. Wait 15 minutes, then try again.")},
            email=email,
        )

    def attempt() -> str | None:
        with runtime.db.reading() as session:
            agent = people.check_agent_password(session, email=email, password=password) if email else None
        if agent is None:
            return None
        return runtime.db.run(lambda uow: access.open_session(uow, agent=uow.session.merge(agent)))

    token = await anyio.to_thread.run_sync(attempt)
    if token is None:
        await anyio.to_thread.run_sync(count_failed_sign_in, request, "password", email)
        return page(
            request,
            "agent/login.html",
            None,
            401,
            errors={"form": _("Wrong email or password.")},
            email=email,
        )
    target = local_path(request.cookies.get(NEXT_COOKIE), under="/agent/", default="/agent/queue/new")
    response = RedirectResponse(target, status_code=303)
    keep_session(request, response, AGENT_COOKIE, token)
    response.delete_cookie(NEXT_COOKIE, path="/agent")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/agent/login", status_code=303)
    await anyio.to_thread.run_sync(end_session, request, response, AGENT_COOKIE)
    return response


# Queues ------------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/agent/queue/new", status_code=303)


@router.get("/queue/{queue}")
def queue_page(request: Request, queue: str, before: int | None = None, page_number: int = 0) -> Response:
    viewer = staff(request)
    if queue not in QUEUES:
        raise NotFound(f"no queue {queue!r}")
    offset = max(0, min(page_number, 1000)) * PAGE_SIZE
    with runtime_of(request).db.reading() as session:
        if queue in DUE_ORDERED:
            found = tickets.list_by_due(
                session,
                breaching_within=BREACHING_WITHIN if queue == "breaching" else None,
                offset=offset,
                limit=PAGE_SIZE + 1,
                **_queue_filter(queue, viewer.agent_id),
            )
        else:
            found = tickets.list_tickets(
                session, before_id=before, limit=PAGE_SIZE + 1, **_queue_filter(queue, viewer.agent_id)
            )
        rows = ticket_rows(found[:PAGE_SIZE])
        counts = _counts(session, viewer.agent_id)
    next_url = None
    if len(found) > PAGE_SIZE:
        next_url = (
            f"/agent/queue/{queue}?page_number={offset // PAGE_SIZE + 1}"
            if queue in DUE_ORDERED
            else f"/agent/queue/{queue}?before={rows[-1].id}"
        )
    return page(
        request,
        "agent/queue.html",
        viewer,
        queue=queue,
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=f"/agent/queue/{queue}",
        q="",
    )


@router.get("/search")
def search(request: Request, q: str = "", before: int | None = None) -> Response:
    viewer = staff(request)
    words = q.strip()[:200]
    with runtime_of(request).db.reading() as session:
        found = (
            tickets.list_tickets(session, text=words, before_id=before, limit=PAGE_SIZE + 1) if words else []
        )
        rows = ticket_rows(found[:PAGE_SIZE])
        counts = _counts(session, viewer.agent_id)
    next_url = (
        f"/agent/search?{urlencode({'q': words, 'before': rows[-1].id})}" if len(found) > PAGE_SIZE else None
    )
    return page(
        request,
        "agent/queue.html",
        viewer,
        queue="search",
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=f"/agent/search?{urlencode({'q': words})}",
        q=words,
    )


# A ticket ----------------------------------------------------------------------------------------


def _attachment_url(attachment: Attachment) -> str:
    return f"/agent/attachments/{attachment.id}"


def _ticket_page(request: Request, viewer: Staff, key: str, *, status: int = 200, **extra: Any) -> Response:
    runtime = runtime_of(request)
    with runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, key[:40])
        org = ticket.organization
        context: dict[str, Any] = {
            "ticket": ticket_rows([ticket])[0],
            "description": ticket.description,
            "assignee_email": ticket.assignee.email if ticket.assignee else "",
            "reporter_email": ticket.reporter.email,
            "reporter_bounces": bool(mail_store.bouncing(session, [ticket.reporter.email])),
            "comments": comment_items(
                tickets.comments_of(session, ticket, public_only=False), _attachment_url
            ),
            "org": {
                "name": org.name,
                "plan": org.plan,
                "features": {f.value: org.feature_state(f).value for f in Feature},
            },
            "threads": [
                {
                    "platform": t.platform,
                    "channel": t.channel,
                    "url": thread_permalink(
                        t.platform,
                        t.workspace,
                        t.channel,
                        t.thread_root,
                        lark_domain=runtime.settings.lark_domain,
                    ),
                }
                for t in links.threads_of(session, ticket_id=ticket.id)
            ],
            "agents": [(a.email, a.display_name) for a in people.list_agents(session) if a.active],
            "statuses": [s.value for s in Status],
            "severities": [s.value for s in Severity],
            "errors": {},
            "reply_draft": "",
            "note_draft": "",
        }
    context.update(extra)
    return page(request, "agent/ticket.html", viewer, status, **context)


@router.get("/tickets/{key}")
def ticket_page(request: Request, key: str) -> Response:
    return _ticket_page(request, staff(request), key)


async def _comment(request: Request, key: str, *, public: bool) -> Response:
    viewer = staff(request)
    form = await checked_form(request)
    body = field(form, "body")
    runtime = runtime_of(request)
    try:
        files = await uploads(form)

        def work(uow: Any) -> int:
            ticket = tickets.get_ticket(uow.session, key[:40])
            agent = uow.session.get(Agent, viewer.agent_id)
            return write_comment(
                uow,
                ticket=ticket,
                author=Author.of_agent(agent),
                body=body,
                public=public,
                source=CommentSource.CONSOLE,
                files=files,
            )

        comment_id = await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except NotFound:
        raise
    except DomainError as exc:
        error = exc
        name = "reply" if public else "note"
        return await anyio.to_thread.run_sync(
            lambda: _ticket_page(
                request,
                viewer,
                key,
                status=error.status,
                errors={name: error.message},
                **{f"{name}_draft": body},
            )
        )
    return RedirectResponse(f"/agent/tickets/{key.upper()}#comment-{comment_id}", status_code=303)


@router.post("/tickets/{key}/reply")
async def public_reply(request: Request, key: str) -> Response:
    return await _comment(request, key, public=True)


@router.post("/tickets/{key}/note")
async def internal_note(request: Request, key: str) -> Response:
    return await _comment(request, key, public=False)


@router.post("/tickets/{key}/update")
async def update_ticket(request: Request, key: str) -> Response:
    viewer = staff(request)
    form = await checked_form(request)
    wanted = {name: field(form, name) for name in ("status", "severity", "assignee")}
    if field(form, "assign_to_me"):
        wanted["assignee"] = viewer.email
    runtime = runtime_of(request)

    def work(uow: Any) -> None:
        ticket = tickets.get_ticket(uow.session, key[:40])
        agent = uow.session.get(Agent, viewer.agent_id)
        if wanted["assignee"] != (ticket.assignee.email if ticket.assignee else ""):
            assignee = people.get_agent(uow.session, wanted["assignee"]) if wanted["assignee"] else None
            tickets.assign(uow, ticket=ticket, agent=assignee)
        if wanted["severity"]:
            tickets.change_severity(uow, ticket=ticket, severity=wanted["severity"])
        if wanted["status"]:
            tickets.change_status(uow, ticket=ticket, status=wanted["status"], actor=Author.of_agent(agent))

    try:
        await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.field != "agent_email":
            raise
        error = exc
        return await anyio.to_thread.run_sync(
            lambda: _ticket_page(request, viewer, key, status=error.status, errors=errors_of(error, "update"))
        )
    return RedirectResponse(f"/agent/tickets/{key.upper()}", status_code=303)


@router.get("/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int) -> Response:
    staff(request)
    with runtime_of(request).db.reading() as session:
        found = session.get(Attachment, attachment_id)
        if found is None:
            raise NotFound(f"no attachment #{attachment_id}")
        return attachment_response(found, session)
