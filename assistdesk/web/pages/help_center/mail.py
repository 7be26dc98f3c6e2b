"""The help center's mail switch on a chat ticket's page (POST /help/requests/{key}/mail)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from assistdesk.bridge.mail import follow
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.tickets import service as tickets
from assistdesk.errors import NotFound
from assistdesk.web.pages.guard import checked_form, field, runtime_of
from assistdesk.web.pages.help_center.frame import no_such_request
from assistdesk.web.pages.viewers import customer

router = APIRouter(prefix="/help")

ALREADY_BY_MAIL = "this request is already followed by mail"


@router.post("/requests/{key}/mail")
async def switch_mail(request: Request, key: str) -> Response:
    viewer = await customer(request)
    form = await checked_form(request)
    on = field(form, "mail") == "on"
    runtime = runtime_of(request)
    domain = runtime.settings.support_address.rsplit("@", 1)[-1]

    def work(uow: UnitOfWork) -> None:
        ticket = tickets.find_ticket(uow.session, key) if len(key) <= 40 else None
        # Only the reporter hears by mail, so only the reporter may switch it.
        if ticket is None or ticket.reporter_id != viewer.contact_id:
            raise NotFound(no_such_request(key))
        if follow.follow_state(uow.session, ticket) is None:
            raise NotFound(ALREADY_BY_MAIL)
        follow.set_follow(uow, ticket=ticket, follow=on, domain=domain)

    await runtime.db.run_async(work)
    return RedirectResponse(f"/help/requests/{key.upper()}", status_code=303)
