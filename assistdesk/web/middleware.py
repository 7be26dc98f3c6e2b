"""The front of the web app: one pure ASGI middleware that every HTTP request passes.

It enforces the body limit, counts the request metrics and hands a few hot paths straight to their
applications: `POST /slack/events` to the Slack endpoint, `/api/v1/…` to the REST API, and the
direct lanes (a few console pages and API writes) to their endpoints. The rest
goes through the main FastAPI app's middleware and router as before. Going straight matters for
Slack: an acknowledged event is cheap, and FastAPI's middleware stack, route matching and
dependency solving cost more than the screening and Bolt's own pipeline did (profiled for issue 14).
What a client sees is unchanged: the same answers, the same 413, the same metrics labels.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistdesk.metrics import Metrics


class Direct(Protocol):
    """Requests answered by an application of their own, without the main app's stack (the
    console's pages: `pages.direct.DirectPages`; the API's busiest writes: `api.direct.DirectApi`)."""

    def match(self, scope: Scope) -> tuple[ASGIApp, Scope, str] | None:
        """The application, its scope and the request's metrics label, when it takes the request."""


class _TooLarge(HTTPException):
    """Raised from `receive` inside the application: an HTTPException, so that every application's
    handlers (the API's problem+json, the pages' HTML) answer 413 instead of treating it as a crash
    (a chunked upload over the limit used to end in a 500)."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class Front:
    """Body limit, request metrics, and the direct routes.

    `endpoints` maps (method, path) to the application that answers exactly that request (its
    metrics label is the path); `mounts` are Starlette mounts matched here exactly as the app's
    router would match them. Anything else goes to `app`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        limit_for: Callable[[str], int],
        endpoints: Mapping[tuple[str, str], ASGIApp] | None = None,
        mounts: Sequence[Mount] = (),
        static_paths: frozenset[str] = frozenset(),
        direct: Sequence[Direct] = (),
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.limit_for = limit_for
        self.endpoints = dict(endpoints or {})
        self.mounts = [(mount.path + "/", mount) for mount in mounts]
        self.static_paths = static_paths
        self.direct = list(direct)
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limit_for(path)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _refuse(send, limit)
                    return
        started = time.perf_counter()
        received = 0
        status = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        app, scope, label = self._route(scope)
        try:
            await app(scope, limited_receive, recording_send)
        except _TooLarge:
            if not status:
                await _refuse(send, limit)
                status = 413
        finally:
            self._count(label or _route_label(scope, self.static_paths), scope, status or 500, started)

    def _route(self, scope: Scope) -> tuple[ASGIApp, Scope, str | None]:
        """The application for this request, its scope, and its metrics label when fixed here."""
        path: str = scope["path"]
        endpoint = self.endpoints.get((scope["method"], path))
        if endpoint is not None:
            return endpoint, scope, path  # labelled by its path, as its route would have been
        for lane in self.direct:
            taken = lane.match(scope)
            if taken is not None:
                return taken
        for prefix, mount in self.mounts:
            if path.startswith(prefix):
                match, child = mount.matches(scope)
                if match is Match.FULL:
                    return mount.app, {**scope, **child}, None
        return self.app, scope, None

    def _count(self, label: str, scope: Scope, status: int, started: float) -> None:
        key = (label, scope.get("method", ""), str(status))
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.metrics.http_requests.labels(*key),
                self.metrics.http_latency.labels(label),
            )
        series[0].inc()
        series[1].observe(time.perf_counter() - started)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Payload too large",
            "status": 413,
            "detail": f"the request body exceeds {limit} bytes",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _route_label(scope: Scope, static_paths: frozenset[str]) -> str:
    route = scope.get("route")
    if route is None:
        # Plain routes inside a mounted FastAPI app (its openapi.json) carry no route object; they
        # are named up front. Anything else unmatched, whatever its status (a trailing-slash
        # redirect is a 307), shares one label: raw paths would grow /metrics without bound.
        return scope["path"] if scope["path"] in static_paths else "unmatched"
    prefix = scope.get("root_path", "")[len(scope.get("app_root_path", "")) :]
    if isinstance(route, Mount):  # matched a mount, then nothing inside it
        return f"{prefix}/*"
    return f"{prefix}{getattr(route, 'path_format', '') or getattr(route, 'path', '')}"
