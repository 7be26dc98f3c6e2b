"""Units of work: one transaction, the domain events it raised, and what must happen around commit.

The contract that makes "nothing lost" hold: events are turned into outbox rows by the publisher
*before* the commit, in the same transaction as the change; only after the commit succeeds are the
in-process hooks run (waking the delivery worker). A rollback discards both the change and its
messages.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from assistdesk.db import numbers
from assistdesk.db.cache import TtlCache, attach_registry, note_flushed, touched
from assistdesk.db.engine import READ_ONLY, backend_name
from assistdesk.db.threads import Threads

log = logging.getLogger(__name__)

T = TypeVar("T")
Publisher = Callable[["UnitOfWork", Sequence[Any]], None]
CommitHook = Callable[["UnitOfWork"], None]

_MAX_PUBLISH_ROUNDS = 8
# Threads for async callers' database work, per process. More of them only fight over one GIL: a
# transaction holding a hot row lock then waits for the interpreter while other writers wait for it.
THREADS = 8
_HELD = "assistdesk_held"


def _hold(session: Session, instance: object) -> None:
    """Keep every object a writing transaction loaded or added until the transaction ends.

    The session's identity map holds objects weakly: a comment created in a use case was collected
    once the use case returned, and each event subscriber's `session.get()` read it again (19
    statements for one REST comment). Held here, those gets are answered from memory.
    """
    session.info.setdefault(_HELD, []).append(instance)


def _read_options(backend: str) -> dict[str, Any]:
    """How read-only sessions connect. On PostgreSQL they read in autocommit: at READ COMMITTED
    (PostgreSQL's default, left as it is) every statement takes its own snapshot inside a
    transaction too, so a read sees the same rows without one, and saves the round trips of BEGIN
    and ROLLBACK (two of a queue page's three). SQLite keeps its transaction: there it is one
    snapshot for all of a read's statements."""
    options: dict[str, Any] = {READ_ONLY: True}
    if backend == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    return options


class UnitOfWork:
    def __init__(self, session: Session, backend: str) -> None:
        self.session = session
        self.backend = backend
        self.flags: set[str] = set()
        self._events: list[Any] = []
        self.published: list[Any] = []
        self._before_commit: list[CommitHook] = []

    def before_commit(self, hook: CommitHook) -> None:
        """Run `hook` once, after every event is published and just before COMMIT.

        For writes that lock rows other transactions share (the outbox's destinations): done last,
        their locks are held for the commit alone, not for the rest of the transaction's work."""
        self._before_commit.append(hook)

    def prepare_commit(self) -> None:
        hooks, self._before_commit = self._before_commit, []
        for hook in hooks:
            hook(self)

    def emit(self, event: object) -> None:
        self._events.append(event)

    def take_events(self) -> list[Any]:
        events, self._events = self._events, []
        return events


class Database:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.backend = backend_name(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            engine.execution_options(**_read_options(self.backend)), expire_on_commit=False
        )
        event.listen(self._sessions, "loaded_as_persistent", _hold)
        event.listen(self._sessions, "pending_to_persistent", _hold)
        event.listen(self._sessions, "detached_to_persistent", _hold)
        event.listen(self._sessions, "after_flush", note_flushed)
        self._publishers: list[Publisher] = []
        self._commit_hooks: list[CommitHook] = []
        self._numbers = numbers.NumberSource(engine)
        self._caches: dict[str, TtlCache[Any, Any]] = {}
        self._threads = Threads(THREADS, "db")

    def cache(self, name: str) -> TtlCache[Any, Any]:
        """The process's cache `name` (see assistdesk.db.cache): entries live one second at most, and
        a committed write that touched its rows (or called `cache.invalidate`) empties it at once."""
        found = self._caches.get(name)
        if found is None:
            found = self._caches.setdefault(name, TtlCache())
        return found

    def add_publisher(self, publisher: Publisher) -> None:
        self._publishers.append(publisher)

    def add_commit_hook(self, hook: CommitHook) -> None:
        self._commit_hooks.append(hook)

    @contextmanager
    def transaction(self, *, held: numbers.Held | None = None) -> Iterator[UnitOfWork]:
        """One unit of work; `held` carries the numbers earlier attempts of the same `run` took."""
        session = self._sessions()
        numbers.attach(session, self._numbers, held)
        attach_registry(session, self.cache)
        uow = UnitOfWork(session, self.backend)
        try:
            yield uow
            self._publish(uow)
            uow.prepare_commit()
            session.commit()
            stale = touched(session)
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            session.info.clear()
        for name in stale:
            if name in self._caches:
                self._caches[name].clear()
        for hook in self._commit_hooks:
            try:
                hook(uow)
            except Exception:  # a hook is an optimisation (a wake-up); the data is committed
                log.exception("commit hook failed")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; on SQLite it does not take the write lock."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded, so results stay usable
            session.close()

    async def read_async(self, work: Callable[[Session], T]) -> T:
        """`work` on a read-only session in a worker thread: the one way async code reads.

        Database calls block; running them on the event loop would stall every other request.
        """

        def read() -> T:
            with self.reading() as session:
                return work(session)

        return await self._threads.run(read)

    async def run_async(self, work: Callable[[UnitOfWork], T], *, attempts: int = 5) -> T:
        """`run` in a worker thread: the one way async code writes."""
        return await self._threads.run(lambda: self.run(work, attempts=attempts))

    def run(self, work: Callable[[UnitOfWork], T], *, attempts: int = 5) -> T:
        """Run `work` in a transaction, again from the start after a deadlock or lock timeout.

        MySQL and PostgreSQL resolve deadlocks by killing one transaction; the loser must retry.
        """
        held = numbers.Held()  # a retry takes again the ticket numbers a rolled-back attempt took
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(held=held) as uow:
                    return work(uow)
            except (OperationalError, DBAPIError) as exc:
                if attempt == attempts or not is_retryable(exc):
                    raise
                retry_pause(attempt)
        raise AssertionError("unreachable")

    def _publish(self, uow: UnitOfWork) -> None:
        for _ in range(_MAX_PUBLISH_ROUNDS):
            events = uow.take_events()
            if not events:
                return
            uow.published.extend(events)
            for publisher in self._publishers:
                publisher(uow, events)
            uow.session.flush()
        raise RuntimeError("domain events kept raising new events; a subscriber loops")

    def dispose(self) -> None:
        self._threads.shutdown()
        self._numbers.dispose()
        self.engine.dispose()


_RETRYABLE_MYSQL = {1205, 1213}  # lock wait timeout, deadlock
RETRYABLE_PG = frozenset({"40001", "40P01", "55P03"})  # serialization failure, deadlock, lock not available


def retry_delay(attempt: int) -> float:
    """A random pause before retry `attempt + 1`, growing with each attempt: two transactions that
    deadlocked and retried at once would meet again at the same rows."""
    return random.uniform(0.005, 0.02 * attempt)


def retry_pause(attempt: int) -> None:
    """`retry_delay` slept in this thread."""
    time.sleep(retry_delay(attempt))


def is_retryable(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True  # the server closed the connection; the pool has discarded it
    orig = exc.orig
    code = getattr(orig, "sqlstate", None)
    if code in RETRYABLE_PG:
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _RETRYABLE_MYSQL:
        return True
    return "database is locked" in str(orig)
