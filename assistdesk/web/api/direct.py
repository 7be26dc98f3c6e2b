"""The REST API's two busiest writes, opening a ticket and commenting on one, served without FastAPI.

Through the API app a create went through its middleware stack (error middleware, telemetry, body
limit, exception middleware, exit stack), the router, the request handler and the dependency
solving (the bearer scheme, the runtime, the token's principal, the body): about a tenth of the
request's CPU in a py-spy profile of `serve`, as much as the thread hand-off and the ticket's INSERT
together. The front (`web/middleware.Front`) hands these requests here instead.

Only the plain case is answered here: `POST` to the route's own path (no `root_path`), a body sent
with a Content-Length, `Content-Type: application/json`, an API token whose principal the process
cache already holds (`auth.cached_principal`), and a body that is JSON and that the route's model
accepts. That request is answered by the same function the route calls (`tickets.open_ticket`,
`tickets.comment_on`), with the same answer; what it raises (no such ticket, a closed one) is
answered by the API app's own handlers (`lanes.AppErrors`). Anything else is FastAPI's, so that
every refusal (401 with WWW-Authenticate, 413, 422 and their problem+json) stays exactly what it
was: a request whose headers are not the plain case (a missing or uncached token, another content
type, a chunked body) is not taken here, and one whose body is not (not JSON, refused by the model)
is handed to the API app with its body replayed.

The token is looked up again once the whole body has arrived, as FastAPI solves its dependencies
only after reading the body: a token revoked while a slow client was still sending (the cache of
this process forgets it at once, others within a second) is not honoured; FastAPI answers its 401.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Mount
from starlette.types import Message, Receive, Scope, Send

from assistdesk.runtime import Runtime
from assistdesk.web.api.auth import Principal, authenticate, cached_principal, principal_cached_at
from assistdesk.web.deps import get_runtime
from assistdesk.web.lanes import AppErrors, Sending, api_routes

Answer = Callable[[Runtime, Principal, dict[str, Any], Any], Awaitable[Response]]
_LANE = "assistdesk.direct_api"


@dataclass(frozen=True)
class Write:
    """One route taken here: its endpoint (to find the route), its body's model, and what answers it
    once authenticated and validated."""

    endpoint: Callable[..., Any]
    model: type[BaseModel]
    answer: Answer


@dataclass(frozen=True)
class _Lane:
    route: APIRoute
    write: Write
    label: str


class DirectApi:
    """The front's lane to a few POST routes of the API mounted at `mount` (see the module); a
    request not taken after all goes to the API app with the scope the mount made for it."""

    def __init__(self, mount: Mount, writes: Sequence[Write]) -> None:
        api = mount.app
        if not isinstance(api, FastAPI):
            raise TypeError("the API mount holds a FastAPI app")
        if api.user_middleware:
            raise ValueError("the API app has middleware of its own: this lane would skip it")
        by_endpoint = {route.endpoint: route for route in api_routes(api)}
        self.mount = mount
        self.runtime: Runtime = api.state.runtime
        self.lanes: list[_Lane] = []
        for write in writes:
            route = by_endpoint[write.endpoint]
            if route.methods != {"POST"}:
                raise ValueError(f"{route.path}: a write by POST only")
            needs = route.dependant
            if (
                {dependency.call for dependency in needs.dependencies} != {authenticate, get_runtime}
                or len(needs.body_params) != 1
                or needs.query_params
                or needs.header_params
                or needs.cookie_params
            ):
                raise ValueError(f"{route.path} reads more than this lane gives: principal, runtime, body")
            self.lanes.append(_Lane(route, write, f"{mount.path}{route.path_format}"))
        self._errors = AppErrors(api)

    def match(self, scope: Scope) -> tuple[DirectApi, Scope, str] | None:
        """This lane, the request's scope (as the mount and the route would make it) and its metrics
        label, if the request is taken here: its route, headers and token are the plain case."""
        if scope["method"] != "POST" or scope.get("root_path"):
            return None
        if not scope["path"].startswith(self.mount.path + "/"):
            return None
        key = self._token_key(scope)
        if key is None:
            return None
        found, child = self.mount.matches(scope)
        if found is not Match.FULL:
            return None
        inner = {**scope, **child}
        for lane in self.lanes:
            found, params = lane.route.matches(inner)
            if found is Match.FULL:
                return self, {**inner, **params, _LANE: (lane, inner, key)}, lane.label
        return None

    def _token_key(self, scope: Scope) -> str | None:
        """The bearer token's cache key when the headers are the plain case (a JSON body of a
        declared length, a token whose principal the process cache holds), else None."""
        content_type = authorization = length = None
        for name, value in scope["headers"]:
            if name == b"content-type" and content_type is None:
                content_type = value
            elif name == b"authorization" and authorization is None:
                authorization = value
            elif name == b"content-length":
                length = value
        if content_type != b"application/json" or authorization is None or length is None:
            return None
        # As FastAPI's HTTPBearer and `auth.authenticate` read the header.
        scheme, credentials = get_authorization_scheme_param(authorization.decode("latin-1"))
        if not (scheme and credentials) or scheme.lower() != "bearer":
            return None
        principal, key = cached_principal(self.runtime, credentials.strip())
        return key if principal is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lane: _Lane
        lane, usual, key = scope[_LANE]
        received: list[Message] = []
        body = b""
        try:
            while True:
                message = await receive()
                received.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if not message.get("more_body", False):
                    break
        except Exception as exc:  # e.g. the front's body limit: FastAPI gets to answer it
            await self.mount.app(usual, _Replay(received, receive, exc), send)
            return
        replay = _Replay(received, receive)
        model = _validated(lane, received, body)
        principal: Principal | None = None
        if model is not None:
            principal = principal_cached_at(self.runtime, key)  # as of now, the body read
        if model is None or principal is None:
            await self.mount.app(usual, replay, send)
            return
        sending = Sending(send)
        try:
            request = Request(scope, replay)
            try:
                response = await lane.write.answer(self.runtime, principal, scope["path_params"], model)
                await response(scope, replay, sending)
            except Exception as exc:
                if not await self._errors.handled(exc, request, sending):
                    raise
        except Exception as exc:
            await self._errors.crashed(exc, scope, replay, send, sending.started)
            raise


def _validated(lane: _Lane, received: list[Message], body: bytes) -> BaseModel | None:
    """The body as the route's model, read as FastAPI reads it (`Request.json()`, then the body
    field's validation), or None when it is not that (FastAPI answers it: 422, or 400)."""
    if received[-1]["type"] != "http.request":
        return None  # the client left
    try:
        return lane.write.model.model_validate(json.loads(body))
    except Exception:
        return None


class _Replay:
    """`receive` giving the messages already read (and the exception reading raised) first."""

    def __init__(self, received: list[Message], receive: Receive, failure: Exception | None = None) -> None:
        self._pending = list(received)
        self._receive = receive
        self._failure = failure

    async def __call__(self) -> Message:
        if self._pending:
            return self._pending.pop(0)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure
        return await self._receive()
