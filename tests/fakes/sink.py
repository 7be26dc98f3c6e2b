"""A loopback HTTP sink: records every POST and answers from a script.

Each path (`/a`, `/b`, …) is a separate destination. A test scripts answers per path (status,
headers, delay); unscripted requests get 200. The sink also notices when two requests for the same
path overlap in time, which is how tests prove that two workers never deliver one destination at
once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopThread


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    at: float


class Sink:
    def __init__(self) -> None:
        self._thread = LoopThread("sink")
        self._lock = threading.Lock()
        self.received: list[Received] = []
        self._script: dict[str, deque[Answer]] = defaultdict(deque)
        self._default: dict[str, Answer] = {}
        self._in_flight: dict[str, int] = defaultdict(int)
        self.overlaps: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = self._thread.call(self._start())

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_post("/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        return int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def script(self, name: str, *answers: Answer) -> None:
        with self._lock:
            self._script[name].extend(answers)

    def always(self, name: str, answer: Answer) -> None:
        with self._lock:
            self._default[name] = answer

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        raw = await request.read()
        with self._lock:
            self._in_flight[name] += 1
            if self._in_flight[name] > 1:
                self.overlaps.append(name)
            answer = self._script[name].popleft() if self._script[name] else self._default.get(name, Answer())
        try:
            if answer.delay:
                await asyncio.sleep(answer.delay)
            with self._lock:
                if 200 <= answer.status < 300:
                    self.received.append(
                        Received(name, json.loads(raw or b"{}"), dict(request.headers), time.monotonic())
                    )
            return web.Response(status=answer.status, headers=answer.headers, text="{}")
        finally:
            with self._lock:
                self._in_flight[name] -= 1

    def bodies(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.received if r.path == name]

    def wait_for(self, count: int, *, timeout: float = 15.0, name: str | None = None) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                got = [r for r in self.received if name is None or r.path == name]
            if len(got) >= count:
                return got
            time.sleep(0.01)
        raise AssertionError(f"sink received {len(got)} of {count} expected deliveries")

    def close(self) -> None:
        if self._runner is not None:
            self._thread.call(self._runner.cleanup())
        self._thread.close()
