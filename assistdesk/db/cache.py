"""Per-process caches of rows that are read on every request and change rarely (API tokens, webhook
subscriptions).

Invalidation across processes is by age: an entry is served for at most `MAX_AGE_SECONDS` (1 s), so a
revoked token or a removed webhook stops working in every process within a second, on every database
and without any statement of its own. The alternative, a version row read per request, would cost one
round trip per request: the very cost these caches remove. In the process that made the change the
entry goes at once: a write marks the cache names it touched (`invalidate`), and the unit of work
clears them after its commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_AGE_SECONDS = 1.0
_TOUCHED = "assistdesk_caches_touched"


class TtlCache(Generic[K, V]):
    """A bounded map whose entries expire `max_age` seconds after they were loaded."""

    def __init__(self, *, max_age: float = MAX_AGE_SECONDS, max_entries: int = 10_000) -> None:
        self._max_age = max_age
        self._max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._generation = 0

    def get(self, key: K, load: Callable[[], V]) -> V:
        found = self.peek(key)
        if found is not None:
            return found
        generation = self.generation
        value = load()
        self.put(key, value, loaded_in=generation)
        return value

    def peek(self, key: K) -> V | None:
        hit = self._entries.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._max_age:
            return hit[1]
        return None

    @property
    def generation(self) -> int:
        """Read before loading a value; pass it to `put` as `loaded_in`."""
        return self._generation

    def put(self, key: K, value: V, *, loaded_in: int) -> None:
        with self._lock:
            # A clear() while loading means the value may predate the change: serve it, keep it not.
            if loaded_in != self._generation:
                return
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def invalidate(session: Session, name: str) -> None:
    """Mark the cache `name` stale once this session's transaction commits (see Database.cache)."""
    session.info.setdefault(_TOUCHED, set()).add(name)


def touched(session: Session) -> set[str]:
    names: set[str] = session.info.get(_TOUCHED, set())
    return names


# Values and rows through the process caches -------------------------------------------------------

_REGISTRY = "assistdesk_caches"
CACHE_ATTRIBUTE = "process_cache"
"""A model class naming a cache here (`process_cache = "..."`) empties it whenever one of its rows is
added, changed or removed through the ORM in this process (Database watches every flush)."""

M = TypeVar("M")


def cached_value(session: Session, name: str, key: Hashable, load: Callable[[], V]) -> V:
    """`load()`'s result through the process cache `name`, for values that are not one ORM row (a
    small table read whole, say). Without a cache registry (a read-only session), or once this
    transaction has itself written to the cache's rows, `load()` runs: the cache never hides a
    change from the transaction that made it."""
    caches: Callable[[str], TtlCache[Any, Any]] | None = session.info.get(_REGISTRY)
    if caches is None or name in touched(session):
        return load()
    found: V = caches(name).get(key, load)
    return found


def attach_registry(session: Session, caches: Callable[[str], TtlCache[Any, Any]]) -> None:
    session.info[_REGISTRY] = caches


def note_flushed(session: Session, _context: object) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        name = getattr(instance, CACHE_ATTRIBUTE, None)
        if name:
            invalidate(session, name)


def cached_row(session: Session, cls: type[M], key: Hashable, find: Callable[[], M | None]) -> M | None:
    """`find()`'s result, or, when the same row was found within the last second in this process, an
    instance made from its cached column values and attached to `session` without a SELECT.

    Each use gets its own instance (ORM objects belong to one session, requests run in threads);
    only values are shared. Nothing found is not cached: a row added elsewhere is seen at once.
    """
    caches: Callable[[str], TtlCache[Any, Any]] | None = session.info.get(_REGISTRY)
    if caches is None:
        return find()
    cache = caches(getattr(cls, CACHE_ATTRIBUTE))
    values: dict[str, Any] | None = cache.peek(key)
    if values is None:
        generation = cache.generation
        found = find()
        if found is not None:
            mapper = inspect(cls)
            cache.put(key, {a.key: getattr(found, a.key) for a in mapper.column_attrs}, loaded_in=generation)
        return found
    mapper = inspect(cls)
    identity = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    present = session.identity_map.get(identity)
    if present is not None:
        return present  # type: ignore[no-any-return]
    instance = cls(**values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance
