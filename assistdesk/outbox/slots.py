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
        self._full = False  # the last scheduling round found no free slot and waits for one

    def free(self, tasks: int) -> int:
        """Destinations the scheduler may claim now, `tasks` destination tasks running."""
        free = min(self._limit - (tasks - self._settling), 2 * self._limit - tasks)
        self._full = free <= 0
        return max(0, free)

    def task_ended(self) -> bool:
        """True when the scheduler was waiting for a slot (wake it)."""
        was_full, self._full = self._full, False
        return was_full

    @contextlib.contextmanager
    def settling(self) -> Iterator[None]:
        """Around a task's wait for its last records: its slot is free meanwhile."""
        self._settling += 1
        if self.task_ended():
            self._wake()
        try:
            yield
        finally:
            self._settling -= 1
