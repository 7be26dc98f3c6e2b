"""Request-scoped access to the runtime."""

from __future__ import annotations

from fastapi import Request

from assistdesk.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    """Async because it only reads an attribute: FastAPI runs a plain `def` dependency in a worker
    thread, a hand-off that cost more than the rest of the lookup on every request."""
    runtime: Runtime = request.app.state.runtime
    return runtime
