"""The admin's mail page: mail that opened nothing (unknown senders, flooders, a stranger's `[KEY]`,
a mail too large to keep), each to accept (contact + ticket) or discard, and the addresses our mail
bounced from.

Like the other admin pages: `staff(request, admin=True)` first; every change a CSRF-checked POST that
runs one transaction (`forms.submit`) and redirects (303); bad input re-renders the page with its
message and status. Its notice travels in the address (`?done=`), not in a cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.bridge.mail import held as held_mail
from assistdesk.bridge.mail import store
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.errors import DomainError
from assistdesk.i18n.words import N_
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.forms import missing_anything, see_other, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix="/agent/admin/mail")
BASE = "/agent/admin/mail"

REASONS = {
    "unknown_sender": N_("unknown sender"),
    "flood": N_("too many mails in an hour"),
    "forged_key": N_("names a ticket of another organization"),
    "too_large": N_("too large to keep"),
}
DONE = {
    "accepted": N_("Accepted: the mail opened a ticket."),
    "discarded": N_("Discarded."),
}


@dataclass(frozen=True)
class HeldRow:
    id: int
    sender: str
    sender_name: str
    subject: str
    reason: str
    size: int
    created_at: datetime
    acceptable: bool


async def _page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    _ = translator(request)

    def read(session: Session) -> tuple[list[HeldRow], list[tuple[str, str, datetime]], list[str]]:
        rows = [
            HeldRow(
                h.id,
                h.sender,
                h.sender_name,
                h.subject,
                _(REASONS.get(h.reason, h.reason)),
                h.size,
                h.created_at,
                h.reason != "too_large",
            )
            for h in store.held(session)
        ]
        bounces = [(b.email, b.reason, b.bounced_at) for b in held_mail.bouncing(session)]
        return rows, bounces, [o.name for o in orgs.list_orgs(session)]

    rows, bounces, org_names = await runtime_of(request).db.read_async(read)
    done = request.query_params.get("done", "")
    notice = _(DONE[done]) if done in DONE else ""
    extra.setdefault("errors", {})
    return page(
        request,
        "admin/mail.html",
        viewer,
        status,
        rows=rows,
        bounces=bounces,
        org_names=org_names,
        flashes=[notice] if notice else [],
        **extra,
    )


@router.get("")
async def mail_page(request: Request) -> Response:
    return await _page(request, await staff(request, admin=True))


@router.post("/{held_id}/accept")
async def accept(request: Request, held_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    org_name = field(form, "org")
    prefix = runtime_of(request).settings.ticket_prefix

    def work(uow: UnitOfWork) -> None:
        held_mail.accept(uow, held_id=held_id, org_name=org_name, prefix=prefix)

    return await _submit(request, viewer, work, held_id, "accepted")


@router.post("/{held_id}/discard")
async def discard(request: Request, held_id: int) -> Response:
    viewer = await staff(request, admin=True)
    await checked_form(request)
    return await _submit(
        request, viewer, lambda uow: held_mail.discard(uow, held_id=held_id), held_id, "discarded"
    )


async def _submit(
    request: Request, viewer: Staff, work: Callable[[UnitOfWork], None], held_id: int, done: str
) -> Response:
    async def failed(exc: DomainError) -> Response:
        return await _page(request, viewer, exc.status, errors={held_id: exc.message})

    return await submit(
        request,
        work,
        done=lambda _: see_other(f"{BASE}?done={done}"),
        failed=failed,
        missing=missing_anything,
    )
