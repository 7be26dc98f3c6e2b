"""The customers' help center: sign in by mail, follow and answer one's requests, ask for chat features.

Tenant isolation is decided in one place, `_visible_ticket`: a contact sees the requests they
reported, an organization admin every request of their organization, and anything else is answered
404 exactly like a key that does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from assistdesk.bridge.mail.follow import follow_state
from assistdesk.db.types import utcnow
from assistdesk.domain.access import service as access
from assistdesk.domain.orgs import entitlements
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature, FeatureState, RequestStatus
from assistdesk.domain.people.models import Contact
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Severity, Status, TicketSource
from assistdesk.domain.tickets.models import Attachment, Ticket
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import DomainError, NotFound
from assistdesk.web.pages.files import attachment_response
from assistdesk.web.pages.forms import errors_of, uploads, write_comment
from assistdesk.web.pages.guard import (
    checked_form,
    field,
    local_path,
    locale_of,
    runtime_of,
    set_cookie,
    sign_in_allowed,
    translator,
)
from assistdesk.web.pages.presenters import comment_items, ticket_rows
from assistdesk.web.pages.rendering import render
from assistdesk.web.pages.sla_views import expected_by
from assistdesk.web.pages.viewers import HELP_COOKIE, Customer, customer, end_session, keep_session

router = APIRouter(prefix="/help")

PAGE_SIZE = 25
NEXT_COOKIE = "adk_next"
FILTERS: dict[str, tuple[Status, ...]] = {
    "active": (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER),
    "waiting_on_customer": (Status.WAITING_ON_CUSTOMER,),
    "resolved": (Status.RESOLVED,),
    "closed": (Status.CLOSED,),
    "all": (),
}


def _page(
    request: Request, template: str, viewer: Customer | None, status: int = 200, **context: Any
) -> Response:
    return render(
        request,
        template,
        {"viewer": viewer, "site_name": _site_name(request), "home_url": "/help/requests", **context},
        status=status,
    )


def _site_name(request: Request) -> str:
    _ = translator(request)
    return _("Help center")


def _after_login(request: Request) -> str:
    return local_path(request.cookies.get(NEXT_COOKIE), under="/help/", default="/help/requests")


def _signed_in(request: Request, contact: Contact) -> Response:
    runtime = runtime_of(request)
    token = runtime.db.run(lambda uow: access.open_session(uow, contact=uow.session.merge(contact)))
    response = RedirectResponse(_after_login(request), status_code=303)
    keep_session(request, response, HELP_COOKIE, token)
    response.delete_cookie(NEXT_COOKIE, path="/help")
    return response


# Signing in --------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/help/requests", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    response = _page(request, "help/login.html", None, errors={}, email="")
    target = local_path(next, under="/help/", default="")
    if target:
        set_cookie(request, response, NEXT_COOKIE, target, path="/help", max_age=3600)
    return response


@router.post("/login")
async def login_send(request: Request) -> Response:
    form = await checked_form(request)
    email = field(form, "email").strip()
    if not email:
        return _page(
            request,
            "help/login.html",
            None,
            422,
            errors={"email": _t(request, "Enter your email address.")},
            email="",
        )
    if not await anyio.to_thread.run_sync(sign_in_allowed, request, "mail", email):
        return _too_many(request)
    runtime = runtime_of(request)
    locale = locale_of(request)
    try:
        await anyio.to_thread.run_sync(
            lambda: runtime.db.run(
                lambda uow: access.request_login(uow, email=email, locale=locale, box=runtime.secrets)
            )
        )
    except DomainError as exc:  # not an email address at all: say so (it reveals nothing)
        return _page(request, "help/login.html", None, 422, errors={"email": exc.message}, email=email)
    return _page(request, "help/login_sent.html", None, email=email, errors={})


@router.post("/login/code")
async def login_code(request: Request) -> Response:
    form = await checked_form(request)
    email, code = field(form, "email").strip(), field(form, "code")
    if not await anyio.to_thread.run_sync(sign_in_allowed, request, "code", email):
        return _too_many(request)
    runtime = runtime_of(request)
    contact = await anyio.to_thread.run_sync(
        lambda: runtime.db.run(
            lambda uow: access.redeem_code(uow, email=email, code=code, box=runtime.secrets)
        )
    )
    if contact is None:
        message = _t(
            request, "That code is not valid or has expired. Check the latest mail, or ask for a new code."
        )
        return _page(request, "help/login_sent.html", None, 422, email=email, errors={"code": message})
    return await anyio.to_thread.run_sync(_signed_in, request, contact)


@router.get("/login/link")
def login_link(request: Request, token: str = "") -> Response:
    with runtime_of(request).db.reading() as session:
        contact = access.peek_link(session, token=token) if token and len(token) <= 100 else None
        email = contact.email if contact is not None else ""
    if contact is None:
        return _expired_link(request)
    return _page(request, "help/login_link.html", None, token=token, email=email)


@router.post("/login/link")
async def login_link_confirm(request: Request) -> Response:
    form = await checked_form(request)
    token = field(form, "token")
    runtime = runtime_of(request)
    contact = await anyio.to_thread.run_sync(
        lambda: runtime.db.run(lambda uow: access.redeem_link(uow, token=token)) if token else None
    )
    if contact is None:
        return _expired_link(request)
    return await anyio.to_thread.run_sync(_signed_in, request, contact)


def _expired_link(request: Request) -> Response:
    message = _t(request, "This sign-in link has expired or was already used. Ask for a new one below.")
    return _page(request, "help/login.html", None, 410, errors={"form": message}, email="")


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/help/login", status_code=303)
    await anyio.to_thread.run_sync(end_session, request, response, HELP_COOKIE)
    return response


def _too_many(request: Request) -> Response:
    message = _t(request, "Too many attempts. Wait 15 minutes, then try again.")
    return _page(request, "help/login.html", None, 429, errors={"form": message}, email="")


def _t(request: Request, message: str, **params: Any) -> str:
    return translator(request)(message, **params)


# My requests -------------------------------------------------------------------------------------


@router.get("/requests")
def my_requests(
    request: Request, status: str = "active", q: str = "", before: int | None = None, scope: str = "mine"
) -> Response:
    viewer = customer(request)
    chosen = status if status in FILTERS else "active"
    whole_org = viewer.is_admin and scope == "org"
    runtime = runtime_of(request)
    with runtime.db.reading() as session:
        found = tickets.list_tickets(
            session,
            organization_id=viewer.organization_id,
            reporter_id=None if whole_org else viewer.contact_id,
            statuses=FILTERS[chosen],
            text=q.strip()[:200] or None,
            before_id=before,
            limit=PAGE_SIZE + 1,
        )
        rows = ticket_rows(found[:PAGE_SIZE])
    params = {"status": chosen, "q": q, "scope": "org" if whole_org else "mine"}
    next_url = (
        f"/help/requests?{urlencode({**params, 'before': rows[-1].id})}" if len(found) > PAGE_SIZE else None
    )
    return _page(
        request,
        "help/requests.html",
        viewer,
        rows=rows,
        status_filter=chosen,
        q=q,
        scope=params["scope"],
        filters=list(FILTERS),
        next_url=next_url,
        first_url=f"/help/requests?{urlencode(params)}",
    )


# One request -------------------------------------------------------------------------------------


def _visible_ticket(session: Session, viewer: Customer, key: str) -> Ticket:
    ticket = tickets.find_ticket(session, key) if len(key) <= 40 else None
    if (
        ticket is None
        or ticket.organization_id != viewer.organization_id
        or (not viewer.is_admin and ticket.reporter_id != viewer.contact_id)
    ):
        raise NotFound(_no_such_request(key))
    return ticket


def _no_such_request(key: str) -> str:
    return f"no request {key[:40]!r} is visible to you"


def _attachment_url(attachment: Attachment) -> str:
    return f"/help/attachments/{attachment.id}"


def _ticket_page(
    request: Request, viewer: Customer, key: str, *, status: int = 200, **extra: Any
) -> Response:
    with runtime_of(request).db.reading() as session:
        ticket = _visible_ticket(session, viewer, key)
        comments = comment_items(tickets.comments_of(session, ticket, public_only=True), _attachment_url)
        row = ticket_rows([ticket])[0]
        description = ticket.description
        expected = expected_by(ticket, utcnow(), translator(request))
        mail_follow = follow_state(session, ticket) if ticket.reporter_id == viewer.contact_id else None
    context: dict[str, Any] = {
        "mail_follow": mail_follow,
        "ticket": row,
        "expected": expected,
        "description": description,
        "comments": comments,
        "errors": {},
        "draft": "",
    }
    context.update(extra)
    return _page(request, "help/ticket.html", viewer, status, **context)


@router.get("/requests/new")
def new_request_form(request: Request) -> Response:
    viewer = customer(request)
    return _page(request, "help/new.html", viewer, errors={}, values={}, severities=list(Severity))


@router.post("/requests/new")
async def create_request(request: Request) -> Response:
    viewer = customer(request)
    form = await checked_form(request)
    values = {name: field(form, name) for name in ("title", "description", "severity")}
    runtime = runtime_of(request)

    def create() -> str:
        def work(uow: Any) -> str:
            contact = uow.session.get(Contact, viewer.contact_id)
            ticket = tickets.create_ticket(
                uow,
                org=contact.organization,
                reporter=contact,
                title=values["title"],
                description=values["description"],
                severity=values["severity"] or None,
                source=TicketSource.PORTAL,
                prefix=runtime.settings.ticket_prefix,
            )
            return ticket.key

        return runtime.db.run(work)

    try:
        key = await anyio.to_thread.run_sync(create)
    except DomainError as exc:
        return _page(
            request,
            "help/new.html",
            viewer,
            exc.status,
            errors=errors_of(exc),
            values=values,
            severities=list(Severity),
        )
    return RedirectResponse(f"/help/requests/{key}", status_code=303)


@router.get("/requests/{key}")
def request_page(request: Request, key: str) -> Response:
    viewer = customer(request)
    return _ticket_page(request, viewer, key)


@router.post("/requests/{key}/reply")
async def reply(request: Request, key: str) -> Response:
    viewer = customer(request)
    form = await checked_form(request)
    body = field(form, "body")
    runtime = runtime_of(request)
    try:
        files = await uploads(form)

        def work(uow: Any) -> int:
            ticket = _visible_ticket(uow.session, viewer, key)
            contact = uow.session.get(Contact, viewer.contact_id)
            return write_comment(
                uow,
                ticket=ticket,
                author=Author.of_contact(contact),
                body=body,
                public=True,
                source=CommentSource.PORTAL,
                files=files,
            )

        comment_id = await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except NotFound:
        raise
    except DomainError as exc:
        error = exc
        return await anyio.to_thread.run_sync(
            lambda: _ticket_page(
                request, viewer, key, status=error.status, errors=errors_of(error, "body"), draft=body
            )
        )
    return RedirectResponse(f"/help/requests/{key.upper()}#comment-{comment_id}", status_code=303)


@router.post("/requests/{key}/status")
async def change_status(request: Request, key: str) -> Response:
    viewer = customer(request)
    form = await checked_form(request)
    target = {"resolve": Status.RESOLVED, "reopen": Status.OPEN}.get(field(form, "action"))
    runtime = runtime_of(request)

    def work(uow: Any) -> None:
        ticket = _visible_ticket(uow.session, viewer, key)
        if target is None:
            raise NotFound("unknown action")
        contact = uow.session.get(Contact, viewer.contact_id)
        tickets.change_status(uow, ticket=ticket, status=target, actor=Author.of_contact(contact))

    try:
        await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except NotFound:
        raise
    except DomainError as exc:
        error = exc
        return await anyio.to_thread.run_sync(
            lambda: _ticket_page(request, viewer, key, status=error.status, errors=errors_of(error, "status"))
        )
    return RedirectResponse(f"/help/requests/{key.upper()}", status_code=303)


@router.get("/attachments/{attachment_id}")
def attachment(request: Request, attachment_id: int) -> Response:
    viewer = customer(request)
    with runtime_of(request).db.reading() as session:
        found = session.get(Attachment, attachment_id)
        comment = found.comment if found is not None else None
        if found is None or comment is None or not comment.public or comment.deleted_at is not None:
            raise NotFound(f"no attachment #{attachment_id} is visible to you")
        ticket = tickets.get_ticket_by_id(session, found.ticket_id)
        _visible_ticket(session, viewer, ticket.key)
        return attachment_response(found, session)


# Chat features -----------------------------------------------------------------------------------


def _features(session: Session, organization_id: int) -> list[dict[str, Any]]:
    org = orgs.get_org_by_id(session, organization_id)
    result = []
    for feature in Feature:
        latest = next((r for r in reversed(org.requests) if r.feature == feature.value), None)
        result.append(
            {
                "feature": feature.value,
                "allowed": feature.allowed_on(org.plan_enum),
                "minimum_plan": feature.minimum_plan.value,
                "mode": entitlements.chat_mode(org).value,
                "state": org.feature_state(feature).value,
                "can_request": feature.allowed_on(org.plan_enum)
                and org.feature_state(feature) in (FeatureState.OFF,),
                "latest": None
                if latest is None
                else {
                    "status": latest.status,
                    "created_at": latest.created_at,
                    "decided_at": latest.decided_at,
                    "note": latest.decision_note,
                    "denied": latest.status == RequestStatus.DENIED.value,
                },
            }
        )
    return result


def _chat_page(request: Request, viewer: Customer, status: int = 200, **extra: Any) -> Response:
    if not viewer.is_admin:
        raise NotFound("chat features are managed by your organization's admins")
    with runtime_of(request).db.reading() as session:
        org = orgs.get_org_by_id(session, viewer.organization_id)
        plan = org.plan
        features = _features(session, viewer.organization_id)
    return _page(
        request,
        "help/chat.html",
        viewer,
        status,
        plan=plan,
        features=features,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/chat")
def chat_features(request: Request) -> Response:
    return _chat_page(request, customer(request))


@router.post("/chat")
async def request_chat_feature(request: Request) -> Response:
    viewer = customer(request)
    form = await checked_form(request)
    if not viewer.is_admin:
        raise NotFound("chat features are managed by your organization's admins")
    feature, note = field(form, "feature"), field(form, "note")
    runtime = runtime_of(request)

    def work(uow: Any) -> None:
        org = orgs.get_org_by_id(uow.session, viewer.organization_id)
        orgs.request_feature(uow, org=org, feature=feature, requested_by_email=viewer.email, note=note)

    try:
        await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except DomainError as exc:
        error = exc
        return await anyio.to_thread.run_sync(
            lambda: _chat_page(request, viewer, error.status, errors={"feature": error.message})
        )
    return RedirectResponse("/help/chat", status_code=303)
