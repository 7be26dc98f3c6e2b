"""Admin: deliveries — failed and pending outbox jobs, paged newest first; retrying a failed one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_timedelta
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.errors import DomainError
from assistdesk.outbox import admin as outbox
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.web.pages.admin.notices import BASE, Notice, admin_page, back_to
from assistdesk.web.pages.forms import submit
from assistdesk.web.pages.guard import checked_form, field, locale_of, runtime_of
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix=BASE)

DELIVERY_PAGE = 50
DELIVERY_FILTERS = ("failed", "pending", "both")


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    status: str
    destination: str
    kind: str
    attempts: int
    failures: int
    last_error: str
    created_at: datetime
    available_at: datetime
    delivered_at: datetime | None


def _delivery_rows(jobs: Sequence[OutboxJob]) -> list[DeliveryRow]:
    return [
        DeliveryRow(
            id=j.id,
            status=j.status,
            destination=j.destination,
            kind=j.kind,
            attempts=j.attempts,
            failures=j.failures,
            last_error=j.last_error or "",
            created_at=j.created_at,
            available_at=j.available_at,
            delivered_at=j.delivered_at,
        )
        for j in jobs
    ]


def _jobs(session: Session, show: str, before: int | None) -> list[OutboxJob]:
    limit = DELIVERY_PAGE + 1
    if show == "both":
        merged = [
            *outbox.list_jobs(session, status=JobStatus.FAILED, limit=limit, before_id=before),
            *outbox.list_jobs(session, status=JobStatus.PENDING, limit=limit, before_id=before),
        ]
        return sorted(merged, key=lambda j: j.id, reverse=True)[:limit]
    chosen = JobStatus.PENDING if show == "pending" else JobStatus.FAILED
    return list(outbox.list_jobs(session, status=chosen, limit=limit, before_id=before))


async def _deliveries_page(
    request: Request, viewer: Staff, show: str, before: int | None = None, status: int = 200, **extra: Any
) -> Response:
    def read(session: Session) -> tuple[list[OutboxJob], Any]:
        return _jobs(session, show, before), outbox.stats(session)

    found, summary = await runtime_of(request).db.read_async(read)
    rows = _delivery_rows(found[:DELIVERY_PAGE])
    next_url = (
        f"{BASE}/deliveries?{urlencode({'show': show, 'before': rows[-1].id})}"
        if len(found) > DELIVERY_PAGE
        else None
    )
    return admin_page(
        request,
        "admin/deliveries.html",
        viewer,
        status,
        show=show,
        rows=rows,
        summary=summary,
        oldest=format_timedelta(
            timedelta(seconds=summary.oldest_pending_age_seconds), locale=locale_of(request)
        ),
        next_url=next_url,
        first_url=f"{BASE}/deliveries?{urlencode({'show': show})}",
        **extra,
    )


@router.get("/deliveries")
async def deliveries_page(request: Request, show: str = "failed", before: int | None = None) -> Response:
    viewer = await staff(request, admin=True)
    return await _deliveries_page(request, viewer, show if show in DELIVERY_FILTERS else "failed", before)


@router.post("/deliveries/{job_id}/retry")
async def retry_delivery(request: Request, job_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    show = field(form, "show")
    show = show if show in DELIVERY_FILTERS else "failed"

    def work(uow: UnitOfWork) -> Notice:
        outbox.retry(uow, job_id=job_id)
        return "delivery_retried", {"id": str(job_id)}

    async def failed(exc: DomainError) -> Response:
        return await _deliveries_page(request, viewer, show, status=exc.status, errors={"form": exc.message})

    done = back_to(request, f"{BASE}/deliveries?{urlencode({'show': show})}")
    return await submit(request, work, done=done, failed=failed)
