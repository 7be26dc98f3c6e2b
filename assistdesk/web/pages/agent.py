"""The agents' console: its frame, and signing in with a password. The queues are in `queues`, a
ticket's page and its forms in `ticket`, the admin pages in `admin`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from assistdesk.domain.access import service as access
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent
from assistdesk.web.pages.guard import (
    checked_form,
    count_failed_sign_in,
    field,
    runtime_of,
    sign_in_open,
    translator,
)
from assistdesk.web.pages.rendering import render
from assistdesk.web.pages.viewers import AGENT_COOKIE, Staff, after_sign_in, end_session, remember_next

router = APIRouter(prefix="/agent")

HOME = "/agent/queue/new"


def page(
    request: Request, template: str, viewer: Staff | None, status: int = 200, **context: Any
) -> Response:
    _ = translator(request)
    return render(
        request,
        template,
        {"viewer": viewer, "site_name": _("Agent console"), "home_url": HOME, **context},
        status=status,
    )


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    response = page(request, "agent/login.html", None, errors={}, email="")
    remember_next(request, response, AGENT_COOKIE, next)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    form = await checked_form(request)
    email, password = field(form, "email").strip(), field(form, "password")
    runtime = runtime_of(request)

    _ = translator(request)
    # Only failures count: an agent who signs in many times a day is never locked out.
    if not await sign_in_open(request, "password", email):
        return page(
            request,
            "agent/login.html",
            None,
            429,
            errors={"form": _("Too many attempts. Wait 15 minutes, then try again.")},
            email=email,
        )

    def check(session: Session) -> Agent | None:
        return people.check_agent_password(session, email=email, password=password) if email else None

    agent = await runtime.db.read_async(check)
    if agent is None:
        await count_failed_sign_in(request, "password", email)
        return page(
            request,
            "agent/login.html",
            None,
            401,
            errors={"form": _("Wrong email or password.")},
            email=email,
        )
    token = await runtime.db.run_async(lambda uow: access.open_session(uow, agent=uow.session.merge(agent)))
    return after_sign_in(request, AGENT_COOKIE, token, home=HOME)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/agent/login", status_code=303)
    await end_session(request, response, AGENT_COOKIE)
    return response


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse(HOME, status_code=303)
