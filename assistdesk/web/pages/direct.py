"""The console's busiest pages (a queue, a ticket) served without FastAPI's two application stacks.

A `GET /agent/queue/all` went through the main app (error middleware, telemetry, body limit,
exception middleware, exit stack, router), the pages app mounted in it (the same again, and the
security headers), then the route's request handler and its dependency solving: about a sixth of the
page's CPU in a py-spy profile, more than its statement. The front (`web/middleware.Front`) hands
these requests here instead, and this does for them what those layers did: the route's path and query
parameters, the security headers (`guard.SecurityHeaders`), the pages app's exception handlers (the
sign-in redirect, the HTML error pages) inside them, and outside them its 500 page, which is sent and
the exception raised again, as Starlette's `ServerErrorMiddleware` does, so that it is logged.

Only requests this lane reads exactly as FastAPI would are taken: `GET`, the route's own path (no
`root_path`), each integer query parameter at most once and spelled as plain digits. Anything else
(`HEAD`, `?before=x`, a repeated parameter) goes the usual way, and FastAPI answers it as before (its
422 included).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from assistdesk.web.lanes import AppErrors, Sending, api_routes
from assistdesk.web.pages.guard import SecurityHeaders

_LANE = "assistdesk.direct"
# What FastAPI reads as an `int` and this lane as well: digits, a sign, no more than fit a bigint
# twice over (a longer one still reaches the route the usual way, and its 404).
_INTEGER = re.compile(r"-?[0-9]{1,40}")
Endpoint = Callable[..., Awaitable[Response]]


class _Route:
    """One page's route: its path (matched and converted as Starlette does), its integer query
    parameters, and its endpoint."""

    def __init__(self, route: APIRoute, integers: Sequence[str]) -> None:
        declared = {field.name for field in route.dependant.query_params}
        if declared != set(integers):
            raise ValueError(f"{route.path}: query parameters {sorted(declared)}, not {sorted(integers)}")
        if route.methods != {"GET"}:
            raise ValueError(f"{route.path}: a page read by GET only")
        self.route = route
        self.integers = frozenset(integers)
        self.endpoint: Endpoint = route.endpoint

    def arguments(self, scope: Scope) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The endpoint's keyword arguments and the path parameters for this request, or None when
        it is not taken here."""
        found = self.route.path_regex.match(scope["path"])
        if found is None:
            return None
        convertors = self.route.param_convertors
        path_params = {name: convertors[name].convert(value) for name, value in found.groupdict().items()}
        arguments = dict(path_params)
        query = scope["query_string"]
        if query:
            for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if name not in self.integers:
                    continue  # FastAPI ignores a parameter the route does not declare
                if name in arguments or _INTEGER.fullmatch(value) is None:
                    return None
                arguments[name] = int(value)
        return arguments, path_params


class DirectPages:
    """The front's lane to a few GET pages of `pages` (see the module's docstring)."""

    def __init__(self, pages: FastAPI, routes: Sequence[tuple[Endpoint, Sequence[str]]]) -> None:
        middleware: list[Any] = [getattr(m, "cls", None) for m in pages.user_middleware]
        if middleware != [SecurityHeaders]:
            raise ValueError("the pages app's middleware changed: this lane applies SecurityHeaders alone")
        by_endpoint = {route.endpoint: route for route in api_routes(pages)}
        self.pages = pages
        self.routes = [_Route(by_endpoint[endpoint], integers) for endpoint, integers in routes]
        self._errors = AppErrors(pages)
        self._guarded = SecurityHeaders(self._handled)

    def match(self, scope: Scope) -> tuple[DirectPages, Scope, str] | None:
        """This lane, the request's scope and its metrics label (the route's path, as the router
        labels it), if the request is taken here."""
        if scope["method"] != "GET" or scope.get("root_path"):
            return None  # another method; or served under a prefix, which Starlette's routing strips
        for route in self.routes:
            found = route.arguments(scope)
            if found is not None:
                arguments, path_params = found
                child = {
                    **scope,
                    "app": self.pages,
                    "route": route.route,
                    "endpoint": route.endpoint,
                    "path_params": path_params,
                    _LANE: (route.endpoint, arguments),
                }
                return self, child, route.route.path_format
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sending = Sending(send)
        try:
            await self._guarded(scope, receive, sending)
        except Exception as exc:
            await self._errors.crashed(exc, scope, receive, send, sending.started)
            raise

    async def _handled(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The endpoint, and the pages app's handler for what it raises (Starlette's
        `ExceptionMiddleware`, which the security headers wrap)."""
        endpoint, arguments = scope[_LANE]
        request = Request(scope, receive)
        sending = Sending(send)
        try:
            response = await endpoint(request, **arguments)
            await response(scope, receive, sending)
        except Exception as exc:
            if not await self._errors.handled(exc, request, sending):
                raise
