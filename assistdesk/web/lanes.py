"""What the front's own lanes (`pages.direct`, `api.direct`) do to answer as a FastAPI app would.

A lane calls a route's endpoint without the app's middleware stack; what that stack did for errors it
must still do: answer an exception with the app's handler for its class (Starlette's
`ExceptionMiddleware`), and answer anything else with the app's 500 handler, then raise it again so
that the server logs it (`ServerErrorMiddleware`). One copy of that, here, for every lane.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send


class Sending:
    """`send`, remembering whether the response has started: an error after that cannot be
    answered with a page of its own."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class AppErrors:
    """An app's exception handlers, applied as its middleware applies them."""

    def __init__(self, app: FastAPI) -> None:
        handlers = dict(app.exception_handlers)
        self._error = handlers.pop(Exception, None) or handlers.pop(500, None)
        self._handlers = {key: handler for key, handler in handlers.items() if isinstance(key, type)}

    async def handled(self, exc: Exception, request: Request, sending: Sending) -> bool:
        """Answer `exc` with the handler for the nearest of its classes (`ExceptionMiddleware`);
        False when there is none, for the caller to raise it again."""
        handler = next((self._handlers[c] for c in type(exc).__mro__ if c in self._handlers), None)
        if handler is None:
            return False
        if sending.started:
            raise RuntimeError("Caught handled exception, but response already started.") from exc
        if inspect.iscoroutinefunction(handler):
            answer = await handler(request, exc)
        else:
            answer = await run_in_threadpool(handler, request, exc)
        if answer is not None:
            await answer(request.scope, request.receive, sending)
        exc.__traceback__ = None  # as Starlette: a reused exception would keep every traceback
        return True

    async def crashed(
        self, exc: Exception, scope: Scope, receive: Receive, send: Send, started: bool
    ) -> None:
        """The app's 500 answer to `exc`, unless the response had started (`ServerErrorMiddleware`);
        the caller raises `exc` again, to be logged."""
        if self._error is None:
            response: Response = PlainTextResponse("Internal Server Error", status_code=500)
        else:
            response = await self._error(Request(scope), exc)
        if not started:
            await response(scope, receive, send)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute of the routers included in `app` (FastAPI keeps them per router)."""
    found: list[APIRoute] = []
    for route in app.routes:
        router: Any = getattr(route, "original_router", None)
        for inner in router.routes if router is not None else [route]:
            if isinstance(inner, APIRoute):
                found.append(inner)
    return found
