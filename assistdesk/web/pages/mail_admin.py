"""The admin's mail page: mail that opened nothing (unknown senders, flooders, a stranger's `[KEY]`,
a mail too large to keep), each to accept (contact + ticket) or discard, and the addresses our mail
bounced from.

Like the other admin pages: `staff(request, admin=True)` first; every change a CSRF-checked POST that
runs one transaction and redirects (303); bad input re-renders the page with its message and status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from assistdesk.bridge.mail import held as held_mail
from assistdesk.bridge.mail import store
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.errors import DomainError, NotFound
from assistdesk.i18n.words import N_
from assistdesk.web.pages.agent import page
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


def _page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    runtime = runtime_of(request)
    _ = translator(request)
    with runtime.db.reading() as session:
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
        org_names = [o.name for o in orgs.list_orgs(session)]
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
def mail_page(request: Request) -> Response:
    return _page(request, staff(request, admin=True))


@router.post("/{held_id}/accept")
async def accept(request: Request, held_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    org_name = field(form, "org")
    runtime = runtime_of(request)

    def work(uow: UnitOfWork) -> None:
        held_mail.accept(uow, held_id=held_id, org_name=org_name, prefix=runtime.settings.ticket_prefix)

    return await _run(request, viewer, work, held_id, "accepted")


@router.post("/{held_id}/discard")
async def discard(request: Request, held_id: int) -> Response:
    viewer = staff(request, admin=True)
    await checked_form(request)
    return await _run(
        request, viewer, lambda uow: held_mail.discard(uow, held_id=held_id), held_id, "discarded"
    )


async def _run(request: Request, viewer: Staff, work: Any, held_id: int, done: str) -> Response:
    runtime = runtime_of(request)
    try:
        await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        error = exc
        return await anyio.to_thread.run_sync(
            lambda: _page(request, viewer, error.status, errors={held_id: error.message})
        )
    return RedirectResponse(f"{BASE}?done={done}", status_code=303)
