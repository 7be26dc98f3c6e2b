"""Blocking work (database calls) handed from async code to a pool of threads of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Threads:
    """A plain executor hand-off: a request or a delivery makes one to three, and anyio's `to_thread`
    (a cancel scope and a capacity limiter per call) cost about twice as much CPU. As with anyio, a
    cancelled caller still waits for `fn` to return, so no statement runs unseen after it.

    The pool starts on first use and again after `shutdown`."""

    def __init__(self, count: int, name: str) -> None:
        self._count = count
        self._name = name
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    async def run(self, fn: Callable[[], T]) -> T:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self._count, thread_name_prefix=self._name)
                pool = self._pool
        future = asyncio.get_running_loop().run_in_executor(pool, fn)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait({future})
            raise

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)
