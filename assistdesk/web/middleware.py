"""Pure ASGI middleware: request size limits and request metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistdesk.metrics import Metrics


class _TooLarge(HTTPException):
    """Raised from `receive` inside the application: an HTTPException, so that every application's
    handlers (the API's problem+json, the pages' HTML) answer 413 instead of treating it as a crash
    (a chunked upload over the limit used to end in a 500)."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


class BodyLimit:
    """Refuse bodies over the limit with 413 before the application buffers them."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _refuse(send, limit)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _refuse(send, limit)


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


class RequestMetrics:
    """Counts requests by route template (never by raw path: ids would explode the label set)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, static_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.metrics = metrics
        self.static_paths = static_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = _route_label(scope, self.static_paths)
            self.metrics.http_requests.labels(route, scope.get("method", ""), str(status)).inc()
            self.metrics.http_latency.labels(route).observe(time.perf_counter() - started)


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
