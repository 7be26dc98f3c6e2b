"""Slack's HTTP entry points (INTERFACE.md): one Request URL, and the OAuth install pages.

`POST /slack/events` receives events, the slash command and interactivity alike and hands them to
Bolt unchanged, once `screen` verified the signature over the raw body (the only check: Bolt's own
is off) and parsed it (Bolt gets the parsed object). The install
pages are plain HTML written here: everything shown is escaped.
"""

from __future__ import annotations

import html
import logging
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from assistdesk.bridge.slack.oauth import COOKIE, STATE_SECONDS, OAuthInstall
from assistdesk.platforms.slack import screen
from assistdesk.platforms.slack.app import verified_request
from assistdesk.runtime import Runtime
from assistdesk.web.problems import problem

log = logging.getLogger(__name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>{title}</h1>{body}</body></html>"""
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def page(title: str, *paragraphs: str, status: int = 200) -> HTMLResponse:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return HTMLResponse(
        _PAGE.format(title=html.escape(title), body=body), status_code=status, headers=_HEADERS
    )


EVENTS_PATH = "/slack/events"


def mount(app: FastAPI, runtime: Runtime) -> dict[tuple[str, str], ASGIApp]:
    """Adds the install pages to `app`; returns `POST /slack/events`, which the front (web/middleware.py)
    calls directly."""
    slack = runtime.slack
    if slack is None:
        return {}
    direct: dict[tuple[str, str], ASGIApp] = {}
    if slack.signing_secret:
        events = SlackEvents(slack.bolt_app(), slack.signing_secret)
        direct[("POST", EVENTS_PATH)] = events
    if slack.oauth is not None:
        router = APIRouter(include_in_schema=False)
        settings = runtime.settings
        _install(router, slack.oauth, secure=settings.public_https, app_name=settings.slack_app_name)
        app.include_router(router)
    return direct


class SlackEvents:
    """`POST /slack/events` as a plain ASGI application: screened, then dispatched to Bolt.

    Bolt's Starlette adapter would need a Starlette `Request` (and FastAPI a route, its dependency
    solving and a `Response`) around every event; this builds Bolt's request from the raw body and
    headers and writes Bolt's answer back, which is all the adapter does for a POST. Bolt still
    runs its own guards on every request (authorization, our own bot's events); the signature is
    checked here, once.
    """

    def __init__(self, bolt: AsyncApp, secret: str) -> None:
        self._bolt = bolt
        self._secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _body(receive)
        if body is None:
            return  # the client went away before sending its body
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        verdict = screen.screen(
            headers,
            body,
            content_type=headers.get("content-type", ""),
            secret=self._secret,
            now=time.time(),
        )
        if not verdict.passed:
            log.info("refused a request to /slack/events: %s", verdict.reason)
            await problem(verdict.status, verdict.reason)(scope, receive, send)
            return
        request = verified_request(
            body.decode("utf-8"), verdict.body, query=scope["query_string"].decode("latin-1"), headers=headers
        )
        try:
            answer = await self._bolt.async_dispatch(request)
        except Exception as exc:  # a signed payload of a shape no listener expects: Slack's fault, not ours
            log.warning("a signed Slack request was not understood: %s: %s", type(exc).__name__, exc)
            await problem(400, "the request's content is not what Slack sends")(scope, receive, send)
            return
        await _answer(send, answer)


async def _body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(send: Send, answer: BoltResponse) -> None:
    """Bolt's answer as it is: its status, its headers (every value), its body."""
    content = answer.body.encode("utf-8") if isinstance(answer.body, str) else answer.body
    raw = [(b"content-length", str(len(content)).encode())]
    for name, values in answer.headers.items():
        if name.lower() != "content-length":
            raw.extend((name.encode("latin-1"), str(value).encode("latin-1")) for value in values)
    await send({"type": "http.response.start", "status": answer.status, "headers": raw})
    await send({"type": "http.response.body", "body": content})


def _install(router: APIRouter, oauth: OAuthInstall, *, secure: bool, app_name: str) -> None:
    @router.get("/slack/install")
    async def install() -> Response:
        url, nonce = oauth.begin()
        response = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
        response.set_cookie(
            COOKIE, nonce, max_age=STATE_SECONDS, path="/slack/", secure=secure, httponly=True, samesite="lax"
        )
        return response

    @router.get("/slack/oauth_redirect")
    async def finish(request: Request) -> Response:
        query = request.query_params
        result = await oauth.finish(
            code=query.get("code"),
            state=query.get("state"),
            cookie=request.cookies.get(COOKIE),
            error=query.get("error"),
        )
        if not result.ok:
            response = page(
                "Slack installation failed",
                f"The app was not installed: {result.problem}.",
                "Start again from /slack/install.",
                status=400,
            )
        else:
            response = page(
                f"{app_name} is installed",
                f"The app is now installed in {result.team_name or result.team_id}.",
                f"Next: invite @{app_name} to your support channels (/invite @{app_name}), then ask your "
                f"support contact to connect each one to your organization (workspace {result.team_id}).",
            )
        response.delete_cookie(COOKIE, path="/slack/")
        return response
