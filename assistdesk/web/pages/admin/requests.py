"""Admin: chat-feature enablement requests — the pending ones and recent decisions; approving or
denying one (from this page or from the organization's)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.errors import Conflict, DomainError, Invalid
from assistdesk.web.pages.admin.notices import BASE, Notice, admin_page, back_to
from assistdesk.web.pages.admin.orgs import org_page, plan_refusal_of
from assistdesk.web.pages.admin.rows import RequestRow, request_rows
from assistdesk.web.pages.forms import submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix=BASE)

RECENT_DECISIONS = 50


def _rows(session: Session) -> tuple[list[RequestRow], list[RequestRow]]:
    pending = request_rows(orgs.pending_requests(session))
    decided = request_rows(orgs.decided_requests(session, limit=RECENT_DECISIONS))
    return pending, decided


async def _requests_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    pending, decided = await runtime_of(request).db.read_async(_rows)
    return admin_page(
        request, "admin/requests.html", viewer, status, pending=pending, decided=decided, **extra
    )


@router.get("/requests")
async def requests_page(request: Request) -> Response:
    return await _requests_page(request, await staff(request, admin=True))


@router.post("/requests/{request_id}")
async def decide(request: Request, request_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    decision, note, back = field(form, "decision"), field(form, "note"), field(form, "back")
    _ = translator(request)

    def asked(session: Session) -> tuple[int, str]:
        found = orgs.get_request(session, request_id)
        return found.organization_id, found.feature

    org_id, feature = await runtime_of(request).db.read_async(asked)
    done = f"{BASE}/orgs/{org_id}" if back == "org" else f"{BASE}/requests"

    def work(uow: UnitOfWork) -> Notice:
        if decision not in ("approve", "deny"):
            raise Invalid(_("Choose approve or deny."), field="decision")
        decided = orgs.decide_request(
            uow, request_id=request_id, approve=decision == "approve", by_email=viewer.email, note=note
        )
        if decision == "approve" and note.strip():
            orgs.annotate_decision(uow, request=decided, note=note)
        key = "request_approved" if decision == "approve" else "request_denied"
        return key, {"org": decided.organization.name, "feature": decided.feature}

    async def failed(exc: DomainError) -> Response:
        message = exc.message
        if isinstance(exc, Conflict) and exc.field == "plan":
            message = await plan_refusal_of(request, feature, org_id)
        errors = {f"request-{request_id}": message}
        values = {f"note-{request_id}": note}
        if back == "org":
            return await org_page(request, viewer, org_id, exc.status, errors=errors, values=values)
        return await _requests_page(request, viewer, exc.status, errors=errors, values=values)

    return await submit(request, work, done=back_to(request, done), failed=failed)
