"""RFC 9457 problem details: every API error is `application/problem+json`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from assistdesk.errors import DomainError

MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_name(error: Any) -> str:
    """The dotted input name; a body that is not JSON at all is `body` (its error location is the
    character offset, which names no field)."""
    if error.get("type") == "json_invalid":
        return "body"
    parts = [str(p) for p in tuple(error.get("loc", ())) if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(error: Any) -> str:
    """Our own validators' words as written (pydantic prefixes them with "Value error, ")."""
    if error.get("type") == "json_invalid":
        return "the body is not valid JSON (is it cut short?)"
    cause = (error.get("ctx") or {}).get("error")
    if error.get("type") == "value_error" and isinstance(cause, ValueError):
        return str(cause)
    return str(error.get("msg", ""))


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (the `Allow` of a 405); Starlette names only the
    first route's. Each method is tried against the routes as the router itself would."""
    routes = request.app.router.routes
    return [
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = getattr(exc, "headers", None)  # e.g. WWW-Authenticate on a 401
        if exc.field:
            return problem(exc.status, exc.message, title=exc.title, field=exc.field, headers=headers)
        return problem(exc.status, exc.message, title=exc.title, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_name(e), "message": _message(e)} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return problem(exc.status_code, str(exc.detail) if exc.detail else None, headers=headers)

    async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
        # An id, cursor or page marker beyond 64 bits: no row can have it (SQLite raises
        # OverflowError, PostgreSQL "bigint out of range"), or a value the database cannot store.
        return problem(404, "a number or value in the request is outside what any record can have")

    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(DataError, _out_of_range)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return problem(500, "an unexpected error occurred; it was logged")
