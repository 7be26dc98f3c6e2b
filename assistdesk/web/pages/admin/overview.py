"""Admin: the overview — how many organizations, pending requests, agents and live tokens, and how
deliveries are doing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.outbox import admin as outbox
from assistdesk.web.pages.admin.notices import BASE, admin_page
from assistdesk.web.pages.guard import runtime_of
from assistdesk.web.pages.viewers import staff

router = APIRouter(prefix=BASE)


def _figures(session: Session) -> tuple[dict[str, int], Any]:
    counts = {
        "orgs": orgs.count_orgs(session),
        "pending_requests": len(orgs.pending_requests(session)),
        "agents": len(people.list_agents(session)),
        "tokens": sum(1 for t in people.list_tokens(session) if t.revoked_at is None),
    }
    return counts, outbox.stats(session)


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
async def overview(request: Request) -> Response:
    viewer = await staff(request, admin=True)
    counts, deliveries = await runtime_of(request).db.read_async(_figures)
    return admin_page(
        request,
        "admin/index.html",
        viewer,
        counts=counts,
        failed_deliveries=deliveries.failed,
        pending_deliveries=deliveries.pending,
    )
