"""Blocking work (database calls) handed from async code to a pool of threads of its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

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
        call: _Call[T] = _Call(asyncio.get_running_loop(), fn)
        pool.submit(call.work)
        try:
            return await call.waiter
        except asyncio.CancelledError:
            if not call.finished:
                call.after = call.loop.create_future()
                await call.after
            raise

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)


class _Call(Generic[T]):
    """One hand-off: `fn` in a pool thread, its outcome set on the caller's loop with one
    `call_soon_threadsafe`. `run_in_executor` wrapped in `asyncio.shield` took three loop callbacks
    and three futures chained both ways for the same (the hand-off was a fifth of a console page's
    CPU in a py-spy profile)."""

    __slots__ = ("after", "finished", "fn", "loop", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], T]) -> None:
        self.loop = loop
        self.fn = fn
        self.waiter: asyncio.Future[T] = loop.create_future()
        self.finished = False
        self.after: asyncio.Future[None] | None = None  # a cancelled caller waiting for `fn` to end

    def work(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:
            self.loop.call_soon_threadsafe(self._settle, None, exc)
        else:
            self.loop.call_soon_threadsafe(self._settle, result, None)

    def _settle(self, result: T | None, exc: BaseException | None) -> None:
        self.finished = True
        if self.after is not None and not self.after.done():
            self.after.set_result(None)
        if self.waiter.done():  # the caller was cancelled
            return
        if exc is not None:
            self.waiter.set_exception(exc)
        else:
            self.waiter.set_result(result)  # type: ignore[arg-type]
