"""The help center's sign-in: a code or a link by mail (no passwords), then a session cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from assistdesk.domain.access import service as access
from assistdesk.domain.people.models import Contact
from assistdesk.errors import DomainError
from assistdesk.web.pages.guard import (
    checked_form,
    field,
    locale_of,
    runtime_of,
    sign_in_allowed,
    translator,
)
from assistdesk.web.pages.help_center.frame import HOME, page
from assistdesk.web.pages.viewers import HELP_COOKIE, after_sign_in, end_session, remember_next

router = APIRouter(prefix="/help")


def _t(request: Request, message: str, **params: Any) -> str:
    return translator(request)(message, **params)


async def _signed_in(request: Request, contact: Contact) -> Response:
    token = await runtime_of(request).db.run_async(
        lambda uow: access.open_session(uow, contact=uow.session.merge(contact))
    )
    return after_sign_in(request, HELP_COOKIE, token, home=HOME)


def _expired_link(request: Request) -> Response:
    message = _t(request, "This sign-in link has expired or was already used. Ask for a new one below.")
    return page(request, "help/login.html", None, 410, errors={"form": message}, email="")


def _too_many(request: Request) -> Response:
    message = _t(request, "Too many attempts. Wait 15 minutes, then try again.")
    return page(request, "help/login.html", None, 429, errors={"form": message}, email="")


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    response = page(request, "help/login.html", None, errors={}, email="")
    remember_next(request, response, HELP_COOKIE, next)
    return response


@router.post("/login")
async def login_send(request: Request) -> Response:
    form = await checked_form(request)
    email = field(form, "email").strip()
    if not email:
        return page(
            request,
            "help/login.html",
            None,
            422,
            errors={"email": _t(request, "Enter your email address.")},
            email="",
        )
    if not await sign_in_allowed(request, "mail", email):
        return _too_many(request)
    runtime = runtime_of(request)
    locale = locale_of(request)
    try:
        await runtime.db.run_async(
            lambda uow: access.request_login(uow, email=email, locale=locale, box=runtime.secrets)
        )
    except DomainError as exc:  # not an email address at all: say so (it reveals nothing)
        return page(request, "help/login.html", None, 422, errors={"email": exc.message}, email=email)
    return page(request, "help/login_sent.html", None, email=email, errors={})


@router.post("/login/code")
async def login_code(request: Request) -> Response:
    form = await checked_form(request)
    email, code = field(form, "email").strip(), field(form, "code")
    if not await sign_in_allowed(request, "code", email):
        return _too_many(request)
    runtime = runtime_of(request)
    contact = await runtime.db.run_async(
        lambda uow: access.redeem_code(uow, email=email, code=code, box=runtime.secrets)
    )
    if contact is None:
        message = _t(
            request, "That code is not valid or has expired. Check the latest mail, or ask for a new code."
        )
        return page(request, "help/login_sent.html", None, 422, email=email, errors={"code": message})
    return await _signed_in(request, contact)


@router.get("/login/link")
async def login_link(request: Request, token: str = "") -> Response:
    def peek(session: Session) -> str | None:
        contact = access.peek_link(session, token=token) if token and len(token) <= 100 else None
        return contact.email if contact is not None else None

    email = await runtime_of(request).db.read_async(peek)
    if email is None:
        return _expired_link(request)
    return page(request, "help/login_link.html", None, token=token, email=email)


@router.post("/login/link")
async def login_link_confirm(request: Request) -> Response:
    form = await checked_form(request)
    token = field(form, "token")
    contact = (
        await runtime_of(request).db.run_async(lambda uow: access.redeem_link(uow, token=token))
        if token
        else None
    )
    if contact is None:
        return _expired_link(request)
    return await _signed_in(request, contact)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/help/login", status_code=303)
    await end_session(request, response, HELP_COOKIE)
    return response
