"""What the help center's pages share: their frame, and who may see which request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.models import Ticket
from assistdesk.errors import NotFound
from assistdesk.web.pages.guard import translator
from assistdesk.web.pages.rendering import render
from assistdesk.web.pages.viewers import Customer

HOME = "/help/requests"


def page(
    request: Request, template: str, viewer: Customer | None, status: int = 200, **context: Any
) -> Response:
    _ = translator(request)
    return render(
        request,
        template,
        {"viewer": viewer, "site_name": _("Help center"), "home_url": HOME, **context},
        status=status,
    )


def visible_ticket(session: Session, viewer: Customer, key: str) -> Ticket:
    """The request `key` if `viewer` may see it; anything else is the same 404 as a missing key."""
    ticket = tickets.find_ticket(session, key) if len(key) <= 40 else None
    if (
        ticket is None
        or ticket.organization_id != viewer.organization_id
        or (not viewer.is_admin and ticket.reporter_id != viewer.contact_id)
    ):
        raise NotFound(no_such_request(key))
    return ticket


def no_such_request(key: str) -> str:
    return f"no request {key[:40]!r} is visible to you"
