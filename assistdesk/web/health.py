"""/healthz (the process answers), /readyz (the database answers and is migrated), /metrics."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text

from assistdesk.db import migrate
from assistdesk.outbox.admin import stats
from assistdesk.runtime import Runtime
from assistdesk.web.problems import problem

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    try:
        with runtime.db.reading() as session:
            session.execute(text("SELECT 1"))
        current = migrate.is_current(runtime.db.engine)
    except Exception as exc:
        return problem(503, f"database unreachable ({type(exc).__name__})")
    if not current:
        return problem(503, "database schema is not at the newest revision; run `assistdesk db upgrade`")
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    return Response(generate_latest(runtime.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class OutboxCollector(Collector):
    """Outbox depth, age of the oldest waiting job and dead letters, read at scrape time (the worker
    may run in another process; the database is the truth)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self._runtime.db.reading() as session:
                current = stats(session)
        except Exception:
            return
        yield GaugeMetricFamily("assistdesk_outbox_pending", "Deliveries waiting", value=current.pending)
        yield GaugeMetricFamily(
            "assistdesk_outbox_oldest_pending_age_seconds",
            "Age of the oldest waiting delivery",
            value=current.oldest_pending_age_seconds,
        )
        yield GaugeMetricFamily(
            "assistdesk_outbox_failed", "Dead letters (failed deliveries)", value=current.failed
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
