"""`POST /lark/events`: Lark's event request URL and card callback URL (they may be the same).

The raw body is handed on untouched (the signature covers its exact bytes); the work runs in a
thread because it commits to the database before Lark gets its 200.
"""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from assistdesk.runtime import Runtime
from assistdesk.web.problems import problem

router = APIRouter(include_in_schema=False)
NOT_CONFIGURED = "Lark is not configured on this server (set LARK_APP_ID and LARK_APP_SECRET)"


@router.post("/lark/events")
async def lark_events(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    lark = runtime.lark
    if lark is None:
        return problem(404, NOT_CONFIGURED)
    raw = await request.body()
    headers = dict(request.headers)
    status, body = await anyio.to_thread.run_sync(lark.handle_http, headers, raw)
    return JSONResponse(body, status_code=status)
