"""First run: the link `assistdesk serve` prints on a database without an admin creates the first one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.access import service as access
from assistdesk.errors import DomainError
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.forms import errors_of, never_missing, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.viewers import AGENT_COOKIE, keep_session

router = APIRouter(prefix="/agent/setup")


def _expired(request: Request) -> Response:
    _ = translator(request)
    return page(
        request,
        "error.html",
        None,
        410,
        title=_("This set-up link no longer works"),
        message=_(
            "It was used, it expired, or an admin exists already. "
            "Sign in, or restart `assistdesk serve` for a new link."
        ),
    )


@router.get("")
async def setup_form(request: Request, token: str = "") -> Response:
    valid = bool(token) and await runtime_of(request).db.read_async(
        lambda session: access.setup_link_valid(session, token)
    )
    if not valid:
        return _expired(request)
    return page(request, "agent/setup.html", None, token=token, errors={}, values={})


@router.post("")
async def create_admin(request: Request) -> Response:
    form = await checked_form(request)
    values = {name: field(form, name) for name in ("token", "email", "name")}
    password, again = field(form, "password"), field(form, "password_again")
    _ = translator(request)
    if password != again:
        return page(
            request,
            "agent/setup.html",
            None,
            422,
            token=values["token"],
            values=values,
            errors={"password_again": _("The two passwords differ.")},
        )

    def work(uow: UnitOfWork) -> str:
        agent = access.create_first_admin(
            uow, token=values["token"], email=values["email"], name=values["name"], password=password
        )
        return access.open_session(uow, agent=agent)

    async def failed(exc: DomainError) -> Response:
        return page(
            request,
            "agent/setup.html",
            None,
            exc.status,
            token=values["token"],
            values=values,
            errors=errors_of(exc),
        )

    def signed_in(token: str) -> Response:
        response = RedirectResponse("/agent/admin", status_code=303)
        keep_session(request, response, AGENT_COOKIE, token)
        return response

    return await submit(request, work, done=signed_in, failed=failed, missing=never_missing)
