"""Response-time pages: the attainment report for every agent (`/agent/reports/sla`, with a CSV
download) and the targets table for admins (`/agent/admin/sla`), which edits one cell per POST
exactly as `assistdesk sla set` does. Bad input re-renders the page with the message and 422,
having changed nothing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs.enums import Plan
from assistdesk.domain.sla.report import ReportRow, sla_report
from assistdesk.domain.sla.targets import format_duration, list_targets, set_target
from assistdesk.domain.tickets.enums import Severity
from assistdesk.errors import DomainError, Invalid
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.forms import errors_of, never_missing, see_other, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of
from assistdesk.web.pages.viewers import staff

router = APIRouter()

CSV_COLUMNS = (
    "plan",
    "severity",
    "tickets",
    "met",
    "breached",
    "attainment",
    "median_seconds",
    "p90_seconds",
)


def _since(raw: str) -> datetime | None:
    text = raw.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(f"unreadable date {raw[:20]!r} (write YYYY-MM-DD)", field="since") from None


def _csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([getattr(r, c) if getattr(r, c) is not None else "" for c in CSV_COLUMNS])
    return out.getvalue()


DEFAULT_WINDOW = timedelta(days=90)


@router.get("/agent/reports/sla")
async def report_page(request: Request, since: str | None = None, format: str = "html") -> Response:
    """The last 90 days unless asked otherwise (an empty `since` is all time: about 3.5 s at
    1,000,000 tickets on PostgreSQL, see bench/README.md)."""
    viewer = await staff(request)
    if since is None:
        since = f"{utcnow() - DEFAULT_WINDOW:%Y-%m-%d}"
    errors: dict[str, str] = {}
    rows: list[ReportRow] = []
    try:
        start = _since(since[:20])
        rows = await runtime_of(request).db.read_async(
            lambda session: list(sla_report(session, since=start, now=utcnow()))
        )
    except DomainError as exc:
        errors = errors_of(exc)
    if format == "csv" and not errors:
        name = f"sla-report{'-since-' + since.strip() if since.strip() else ''}.csv"
        return Response(
            _csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return page(
        request,
        "agent/sla_report.html",
        viewer,
        422 if errors else 200,
        rows=rows,
        since=since[:20],
        errors=errors,
        hours=_hours,
    )


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


async def _targets_page(request: Request, status: int = 200, **extra: Any) -> Response:
    viewer = await staff(request, admin=True)
    rows = await runtime_of(request).db.read_async(list_targets)
    context: dict[str, Any] = {
        "rows": rows,
        "format_duration": format_duration,
        "plans": [p.value for p in Plan],
        "severities": [s.value for s in Severity],
        "errors": {},
        "draft": {},
    }
    context.update(extra)
    return page(request, "admin/sla.html", viewer, status, **context)


@router.get("/agent/admin/sla")
async def targets_page(request: Request) -> Response:
    return await _targets_page(request)


@router.post("/agent/admin/sla")
async def set_target_form(request: Request) -> Response:
    await staff(request, admin=True)
    form = await checked_form(request)
    draft = {
        "plan": field(form, "plan"),
        "severity": field(form, "severity"),
        "duration": field(form, "duration"),
        "business_hours": field(form, "business_hours") == "on",
    }

    def work(uow: UnitOfWork) -> None:
        set_target(
            uow.session,
            plan=str(draft["plan"]),
            severity=str(draft["severity"]),
            duration=str(draft["duration"]),
            business_hours=bool(draft["business_hours"]),
        )

    async def failed(exc: DomainError) -> Response:
        return await _targets_page(request, exc.status, errors=errors_of(exc), draft=draft)

    return await submit(
        request, work, done=lambda _: see_other("/agent/admin/sla"), failed=failed, missing=never_missing
    )
