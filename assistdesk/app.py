"""create_app(settings): the ASGI application, optionally with the delivery worker in-process.

Every request passes the front (web/middleware.py) first: the body limit and the metrics, then
straight to the REST API (its ticket and comment writes to their functions: web/api/direct.py), the
Slack endpoint or the console's queue and ticket pages (web/pages/direct.py), or else into the
FastAPI app's own routing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import anyio.to_thread
from fastapi import FastAPI
from starlette.routing import Mount

from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from assistdesk.web import health, slack
from assistdesk.web import lark as lark_routes
from assistdesk.web.api import admin as api_admin
from assistdesk.web.api import openapi as api_openapi
from assistdesk.web.api import tickets as api_tickets
from assistdesk.web.api.docs import install_docs
from assistdesk.web.middleware import Front
from assistdesk.web.pages.site import create_pages, direct_pages
from assistdesk.web.problems import install_problem_handlers

log = logging.getLogger(__name__)

WEB_THREADS = 8

API_DESCRIPTION = """\
Tickets, comments and organizations of an assistdesk instance.

Authenticate with `Authorization: Bearer <token>` (create one with `assistdesk token create --agent EMAIL`).
Errors are `application/problem+json`. Lists are paged with an opaque `cursor`.
"""


def _api(runtime: Runtime) -> FastAPI:
    api = FastAPI(
        title="assistdesk REST API",
        version="1",
        description=API_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served by install_docs: local assets under a CSP
        redoc_url=None,
    )
    install_docs(api, prefix="/api/v1", title="assistdesk REST API")
    api.state.runtime = runtime
    install_problem_handlers(api)
    api.include_router(api_tickets.router)
    api.include_router(api_admin.router)
    api_openapi.install(api)
    return api


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, run_worker: bool = False
) -> Front:
    rt = runtime or build_runtime(settings or Settings())
    owns_runtime = runtime is None

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Request handlers run their database work in threads. Forty of them (anyio's default)
        # fight over one GIL: a transaction holding a hot row lock (a ticket counter, an outbox
        # destination) then waits for the interpreter while every other writer waits for it.
        anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
        stop = asyncio.Event()
        worker_task = asyncio.create_task(rt.run_worker(stop)) if run_worker else None
        services = [asyncio.create_task(run(stop)) for run in rt.background]
        try:
            yield
        finally:
            stop.set()
            if worker_task is not None:
                await worker_task
            for outcome in await asyncio.gather(*services, return_exceptions=True):
                if isinstance(outcome, Exception):
                    log.error("a background service failed", exc_info=outcome)
            await rt.close_clients()
            if owns_runtime:
                rt.db.dispose()

    app = FastAPI(title="assistdesk", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = rt
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(lark_routes.router)
    # The API is reached through the front (below), which matches its mount before anything else:
    # no route of this app lies under /api/v1.
    api = Mount("/api/v1", app=_api(rt))
    endpoints = slack.mount(app, rt)
    # Last: the pages answer every path the routes above did not claim (with HTML 404s).
    pages = create_pages(rt)
    app.mount("/", pages)
    rt.metrics.registry.register(health.OutboxCollector(rt))

    upload_limit = max(rt.settings.max_body_bytes, 12 * 1024 * 1024)

    def limit_for(path: str) -> int:
        return upload_limit if path.startswith(("/help/", "/agent/")) else rt.settings.max_body_bytes

    return Front(
        app,
        metrics=rt.metrics,
        limit_for=limit_for,
        endpoints=endpoints,
        mounts=[api],
        static_paths=frozenset({"/api/v1/openapi.json"}),
        direct=[direct_pages(pages), api_tickets.direct_writes(api)],
    )
