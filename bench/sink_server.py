"""A loopback webhook sink for benches, in its own process (so that it shares no GIL with workers).

Answers 200 at once (an "instant" destination), and keeps for each delivery: its path (the
destination), its delivery id (the outbox idempotency key), when it arrived, and the latency from the
`sent_at` or the comment's `created_at` carried in the body. `GET /stats` returns the summary;
`POST /reset` clears it. It notices two requests for one path in flight at once (two workers on one
destination).

    python bench/sink_server.py PORT
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime

from aiohttp import web


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.in_flight: dict[str, int] = defaultdict(int)
        self.overlaps = 0
        self.arrivals: list[tuple[float, str]] = []


async def receive(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    path = request.match_info["name"]
    state.in_flight[path] += 1
    if state.in_flight[path] > 1:
        state.overlaps += 1
    try:
        body = await request.read()
        now = time.time()
        state.deliveries[request.headers.get("X-Assistdesk-Delivery", "")] += 1
        state.first_at = state.first_at or now
        state.last_at = now
        state.arrivals.append((now, path))
        data = json.loads(body or b"{}")
        sent = _sent_at(data)
        if sent is not None:
            state.latencies.append(now - sent)
        return web.Response(text="ok")
    finally:
        state.in_flight[path] -= 1


def _sent_at(data: dict) -> float | None:  # type: ignore[type-arg]
    if "sent_at" in data:
        return float(data["sent_at"])
    comment = data.get("data", {}).get("comment")
    if comment and comment.get("created_at"):
        return datetime.fromisoformat(comment["created_at"]).timestamp()
    return None


async def stats(request: web.Request) -> web.Response:
    state: State = request.app["state"]
    unique = len(state.deliveries)
    total = sum(state.deliveries.values())
    return web.json_response(
        {
            "received": total,
            "unique": unique,
            "duplicates": total - unique,
            "overlaps": state.overlaps,
            "first_at": state.first_at,
            "last_at": state.last_at,
            "latencies": state.latencies,
            "arrivals": state.arrivals if request.query.get("arrivals") else [],
        }
    )


async def reset(request: web.Request) -> web.Response:
    request.app["state"].reset()
    return web.Response(text="ok")


def main() -> None:
    app = web.Application()
    app["state"] = State()
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/{name}", receive)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
