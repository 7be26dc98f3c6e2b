"""How many destinations the worker may take on: `concurrency` bounds those being delivered to.

A destination task whose last outcome and release wait in the recorder's queue sends nothing more,
so it gives its slot back while it waits. When it kept the slot, a database that commits slowly (a
loaded machine) let such tasks fill every slot: newly due destinations then waited for the recorder
to catch up, up to seconds, before anything was sent. Waiting tasks keep their leases (nobody else
delivers to their destinations) and stay bounded: twice `concurrency` tasks in all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


class Slots:
    def __init__(self, concurrency: int, wake: Callable[[], None]) -> None:
        self._limit = concurrency
        self._wake = wake  # the scheduler's wake-up
        self._settling = 0
        # More may be due than was claimed: the last round found no free slot, or its claim took
        # as many destinations as it asked for. Then a slot coming free wakes the scheduler; else
        # nothing is waiting for one (new work wakes it by itself, work due later by the poll).
        self._more = False

    def free(self, tasks: int) -> int:
        """Destinations the scheduler may claim now, `tasks` destination tasks running."""
        free = min(self._limit - (tasks - self._settling), 2 * self._limit - tasks)
        if free <= 0:
            self._more = True
        return max(0, free)

    def claimed(self, asked: int, got: int) -> None:
        """What a round's claim returned: fewer than asked means nothing else is due now."""
        self._more = got >= asked

    def task_ended(self) -> bool:
        """True when a slot coming free should wake the scheduler."""
        return self._more

    @contextlib.contextmanager
    def settling(self) -> Iterator[None]:
        """Around a task's wait for its last records: its slot is free meanwhile."""
        self._settling += 1
        if self._more:
            self._wake()
        try:
            yield
        finally:
            self._settling -= 1
