"""Who is looking: a signed-in customer contact (help center) or agent (console). Two cookies with
their own paths, so one browser can be both (an engineer checking what a customer sees)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from assistdesk.domain.access import service as access
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.web.pages.guard import runtime_of, set_cookie

HELP_COOKIE = "adk_help"
AGENT_COOKIE = "adk_agent"
_PATHS = {HELP_COOKIE: "/help", AGENT_COOKIE: "/agent"}


@dataclass(frozen=True)
class Customer:
    contact_id: int
    email: str
    name: str
    organization_id: int
    organization_name: str
    is_admin: bool


@dataclass(frozen=True)
class Staff:
    agent_id: int
    email: str
    name: str
    is_admin: bool


class SignInRequired(Exception):
    def __init__(self, login_url: str) -> None:
        super().__init__(login_url)
        self.login_url = login_url


class AdminOnly(Exception):
    pass


def _login_url(request: Request, login: str) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{login}?next={quote(target, safe='')}" if request.method == "GET" else login


def customer(request: Request) -> Customer:
    token = request.cookies.get(HELP_COOKIE, "")
    found: Customer | None = None
    if token:
        with runtime_of(request).db.reading() as session:
            record = access.find_session(session, token)
            contact = session.get(Contact, record.contact_id) if record and record.contact_id else None
            if contact is not None:
                found = Customer(
                    contact.id,
                    contact.email,
                    contact.display_name,
                    contact.organization_id,
                    contact.organization.name,
                    contact.is_admin,
                )
    if found is None:
        raise SignInRequired(_login_url(request, "/help/login"))
    return found


def staff(request: Request, *, admin: bool = False) -> Staff:
    token = request.cookies.get(AGENT_COOKIE, "")
    found: Staff | None = None
    if token:
        with runtime_of(request).db.reading() as session:
            record = access.find_session(session, token)
            agent = session.get(Agent, record.agent_id) if record and record.agent_id else None
            if agent is not None and agent.active:
                found = Staff(agent.id, agent.email, agent.display_name, agent.is_admin)
    if found is None:
        raise SignInRequired(_login_url(request, "/agent/login"))
    if admin and not found.is_admin:
        raise AdminOnly()
    return found


def keep_session(request: Request, response: Response, cookie: str, token: str) -> None:
    set_cookie(
        request, response, cookie, token, path=_PATHS[cookie], max_age=int(access.SESSION_TTL.total_seconds())
    )


def end_session(request: Request, response: Response, cookie: str) -> None:
    token = request.cookies.get(cookie, "")
    if token:
        runtime_of(request).db.run(lambda uow: access.close_session(uow, token=token))
    response.delete_cookie(cookie, path=_PATHS[cookie])
