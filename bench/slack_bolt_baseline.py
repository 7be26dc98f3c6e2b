"""The baseline of bench/slack_ack.py: a minimal slack-bolt AsyncApp that only acknowledges.

Same server stack as `assistdesk serve` (uvicorn, uvloop, httptools, FastAPI with Bolt's Starlette
adapter), Bolt's defaults (the ack goes out before the listener runs), listeners that do nothing.
Run: SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… uvicorn bench.slack_bolt_baseline:app
"""

from __future__ import annotations

import os

from fastapi import FastAPI, Request, Response
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

bolt = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
)


@bolt.event("reaction_added")
async def reaction_added() -> None:
    return None


@bolt.event("message")
async def message() -> None:
    return None


handler = AsyncSlackRequestHandler(bolt)
app = FastAPI()


@app.post("/slack/events")
async def events(request: Request) -> Response:
    return await handler.handle(request)


@app.get("/readyz")
async def ready() -> dict[str, str]:
    return {"status": "ok"}
