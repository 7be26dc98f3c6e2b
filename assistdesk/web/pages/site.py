"""The pages application: help center, console, admin and their static files, with HTML error pages
(the API keeps its problem+json)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistdesk.errors import DomainError
from assistdesk.runtime import Runtime
from assistdesk.web.pages import admin, agent, help_center, queues, setup, sla_pages, ticket
from assistdesk.web.pages.direct import DirectPages
from assistdesk.web.pages.guard import (
    LANG_COOKIE,
    SecurityHeaders,
    checked_form,
    field,
    local_path,
    set_cookie,
    translator,
)
from assistdesk.web.pages.rendering import render
from assistdesk.web.pages.viewers import AdminOnly, SignInRequired

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"


def _error_page(request: Request, status: int, title: str, message: str) -> Response:
    agent_side = request.url.path.startswith("/agent")
    _ = translator(request)
    return render(
        request,
        "error.html",
        {
            "title": title,
            "message": message,
            "viewer": None,
            "site_name": _("Agent console") if agent_side else _("Help center"),
            "home_url": "/agent" if agent_side else "/help/requests",
        },
        status=status,
    )


def create_pages(runtime: Runtime) -> FastAPI:
    pages = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pages.state.runtime = runtime
    pages.include_router(help_center.router)
    pages.include_router(agent.router)
    pages.include_router(queues.router)
    pages.include_router(ticket.router)
    pages.include_router(admin.router)
    pages.include_router(setup.router)
    pages.include_router(sla_pages.router)
    pages.mount("/static", StaticFiles(directory=STATIC), name="static")

    @pages.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/help/requests", status_code=303)

    @pages.post("/lang", include_in_schema=False)
    async def switch_language(request: Request) -> Response:
        form = await checked_form(request)
        chosen = field(form, "lang")
        target = local_path(field(form, "next"), under="/", default="/help/requests")
        response = RedirectResponse(target, status_code=303)
        if chosen in ("en", "ja"):
            set_cookie(request, response, LANG_COOKIE, chosen, max_age=60 * 60 * 24 * 365)
        return response

    @pages.exception_handler(SignInRequired)
    async def _sign_in(_: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(exc.login_url, status_code=303)

    @pages.exception_handler(AdminOnly)
    async def _admin_only(request: Request, _: AdminOnly) -> Response:
        t = translator(request)
        return _error_page(request, 403, t("Admins only"), t("This page is for admins."))

    @pages.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return _error_page(request, exc.status, exc.title, exc.message)

    @pages.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        t = translator(request)
        title = t("Page not found") if exc.status_code == 404 else str(exc.detail or exc.status_code)
        return _error_page(request, exc.status_code, title, t("There is nothing at this address."))

    async def _out_of_range(request: Request, _: Exception) -> Response:
        # An id or `before=` beyond 64 bits: no row can have it (SQLite raises OverflowError,
        # PostgreSQL "bigint out of range").
        t = translator(request)
        return _error_page(request, 404, t("Page not found"), t("There is nothing at this address."))

    pages.add_exception_handler(OverflowError, _out_of_range)
    pages.add_exception_handler(DataError, _out_of_range)

    @pages.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("page %s failed", request.url.path, exc_info=exc)
        t = translator(request)
        return _error_page(
            request, 500, t("Something went wrong"), t("The error was logged. Please try again.")
        )

    pages.add_middleware(SecurityHeaders)
    return pages


def direct_pages(pages: FastAPI) -> DirectPages:
    """The console pages the front serves without the two apps' stacks (`direct`): a queue and a
    ticket, read by every agent all day; with the query parameters each reads as an integer."""
    return DirectPages(pages, [(queues.queue_page, ("before", "page_number")), (ticket.ticket_page, ())])
