"""Slack's HTTP entry points (INTERFACE.md): one Request URL, and the OAuth install pages.

`POST /slack/events` receives events, the slash command and interactivity alike and hands them to
Bolt unchanged (Bolt verifies the signature over the raw body). The install pages are plain HTML
written here: everything shown is escaped.
"""

from __future__ import annotations

import html
import logging
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

from assistdesk.bridge.slack.oauth import COOKIE, STATE_SECONDS, OAuthInstall
from assistdesk.platforms.slack import screen
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


def mount(app: FastAPI, runtime: Runtime) -> None:
    slack = runtime.slack
    if slack is None:
        return
    router = APIRouter(include_in_schema=False)
    if slack.signing_secret:
        _events(router, AsyncSlackRequestHandler(slack.bolt_app()), slack.signing_secret)
    if slack.oauth is not None:
        settings = runtime.settings
        _install(router, slack.oauth, secure=settings.public_https, app_name=settings.slack_app_name)
    app.include_router(router)


def _events(router: APIRouter, handler: AsyncSlackRequestHandler, secret: str) -> None:
    @router.post("/slack/events")
    async def events(request: Request) -> Response:
        body = await request.body()
        verdict = screen.screen(
            request.headers,
            body,
            content_type=request.headers.get("content-type", ""),
            secret=secret,
            now=time.time(),
        )
        if not verdict.passed:
            log.info("refused a request to /slack/events: %s", verdict.reason)
            return problem(verdict.status, verdict.reason)
        try:
            return await handler.handle(request)
        except Exception as exc:  # a signed payload of a shape no listener expects: Slack's fault, not ours
            log.warning("a signed Slack request was not understood: %s: %s", type(exc).__name__, exc)
            return problem(400, "the request's content is not what Slack sends")


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
