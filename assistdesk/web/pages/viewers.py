"""Who is looking: a signed-in customer contact (help center) or agent (console). Two cookies with
their own paths, so one browser can be both (an engineer checking what a customer sees)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assistdesk.domain.access import service as access
from assistdesk.domain.access import signed_in
from assistdesk.web.pages.guard import local_path, runtime_of, set_cookie

HELP_COOKIE = "adk_help"
AGENT_COOKIE = "adk_agent"
_PATHS = {HELP_COOKIE: "/help", AGENT_COOKIE: "/agent"}
# Where the sign-in page was asked from, kept so that signing in returns there.
_NEXT = {HELP_COOKIE: "adk_next", AGENT_COOKIE: "adk_agent_next"}
_NEXT_TTL = 3600


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


def customer_in(session: Session, request: Request) -> Customer:
    """The signed-in contact, read on the caller's session (a page reads its viewer and its data in
    one trip to the database); anyone else is sent to sign in."""
    found = signed_in.contact_of(session, request.cookies.get(HELP_COOKIE, ""))
    if found is None:
        raise SignInRequired(_login_url(request, "/help/login"))
    return Customer(
        found.id, found.email, found.name, found.organization_id, found.organization, found.is_admin
    )


def staff_in(session: Session, request: Request, *, admin: bool = False) -> Staff:
    """The signed-in, active agent, read on the caller's session unless this process read it within
    the last second (`signed_in.cached_agent_of`); `admin` pages refuse the others."""
    cache = runtime_of(request).db.cache(signed_in.AGENT_CACHE)
    found = signed_in.cached_agent_of(session, request.cookies.get(AGENT_COOKIE, ""), cache)
    if found is None or not found.active:
        raise SignInRequired(_login_url(request, "/agent/login"))
    if admin and not found.is_admin:
        raise AdminOnly()
    return Staff(found.id, found.email, found.name, found.is_admin)


async def customer(request: Request) -> Customer:
    return await runtime_of(request).db.read_async(lambda session: customer_in(session, request))


async def staff(request: Request, *, admin: bool = False) -> Staff:
    return await runtime_of(request).db.read_async(lambda session: staff_in(session, request, admin=admin))


def keep_session(request: Request, response: Response, cookie: str, token: str) -> None:
    set_cookie(
        request, response, cookie, token, path=_PATHS[cookie], max_age=int(access.SESSION_TTL.total_seconds())
    )


async def end_session(request: Request, response: Response, cookie: str) -> None:
    token = request.cookies.get(cookie, "")
    if token:
        await runtime_of(request).db.run_async(lambda uow: access.close_session(uow, token=token))
    response.delete_cookie(cookie, path=_PATHS[cookie])


def remember_next(request: Request, response: Response, cookie: str, wanted: str | None) -> None:
    """Keep the page a sign-in page was asked from (`?next=`), if it is one of this area's: signing
    in with `cookie` then returns there (`after_sign_in`)."""
    area = _PATHS[cookie]
    target = local_path(wanted, under=f"{area}/", default="")
    if target:
        set_cookie(request, response, _NEXT[cookie], target, path=area, max_age=_NEXT_TTL)


def after_sign_in(request: Request, cookie: str, token: str, *, home: str) -> Response:
    """The browser just signed in with session `token`: back to the remembered page, else `home`."""
    area = _PATHS[cookie]
    target = local_path(request.cookies.get(_NEXT[cookie]), under=f"{area}/", default=home)
    response = RedirectResponse(target, status_code=303)
    keep_session(request, response, cookie, token)
    response.delete_cookie(_NEXT[cookie], path=area)
    return response
