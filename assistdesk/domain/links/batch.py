"""Thread lookups and receipt claims for many inbound events at once: the ack path's group commit.

Events that arrive together are committed in one transaction (bridge.slack.intake). Claiming each
one's receipt and looking each one's thread up with its own statement made the statements, not the
commit, the cost of a busy batch; here a batch pays one SELECT and one INSERT. The answers are those
of `service.find_thread` and `service.claim_receipt`, event by event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.links.models import PLATFORM_ID, InboundReceipt, TicketThread
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.links.service import claim_receipt

Where = tuple[ChatPlace, str]  # a channel and the root message of a thread in it

_RECEIPTS = table_of(InboundReceipt)
_ONE_STATEMENT = frozenset({"postgresql", "sqlite"})  # INSERT … ON CONFLICT DO NOTHING RETURNING
# A batch's receipts go in multi-row INSERTs of at most this many rows.
_ROWS_PER_CLAIM = 64


@cache
def _claim(dialect: str, rows: int) -> DriverStatement:
    """`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING receipt_key` for `rows` keys: rows
    that conflict with a claimed key are skipped, and RETURNING names the new ones. Built once per
    database and number of rows, run on the driver's cursor (db/driver.DriverStatement): through
    `Connection.execute` (insertmanyvalues) it cost several times its round trip in CPU, on every
    Slack batch. Immutable, not state."""
    columns = _RECEIPTS.c
    values = [
        {
            "platform": bindparam(f"platform_{n}", type_=columns.platform.type),
            "receipt_key": bindparam(f"receipt_key_{n}", type_=columns.receipt_key.type),
            "received_at": bindparam(f"received_at_{n}", type_=columns.received_at.type),
        }
        for n in range(rows)
    ]
    if dialect == "postgresql":
        pg = postgresql.insert(_RECEIPTS).values(values).on_conflict_do_nothing()
        return DriverStatement(pg.returning(columns.receipt_key))
    lite = sqlite.insert(_RECEIPTS).values(values).on_conflict_do_nothing()
    return DriverStatement(lite.returning(columns.receipt_key))


@dataclass(frozen=True, slots=True)
class ThreadAt:
    """A ticket thread as the ack path needs it: plain values, read on the driver's cursor (an ORM
    object per event cost more CPU than the statement's round trip)."""

    id: int
    ticket_id: int
    platform: str
    workspace: str
    channel: str
    thread_root: str | None


_THREADS = table_of(TicketThread)
_COLUMNS = tuple(_THREADS.c[name] for name in ThreadAt.__slots__)
# Built once. Most batches are one event in one thread: that statement has no IN list to expand, so
# its SQL is the same on every call and it runs on the driver's cursor (PostgreSQL prepares it once).
_THREAD_AT = DriverStatement(
    select(*_COLUMNS).where(
        _THREADS.c.platform == bindparam("platform"),
        _THREADS.c.channel == bindparam("channel"),
        _THREADS.c.thread_root == bindparam("root"),
    )
)
_THREADS_AT = select(*_COLUMNS).where(
    _THREADS.c.platform.in_(bindparam("platforms", expanding=True)),
    _THREADS.c.channel.in_(bindparam("channels", expanding=True)),
    _THREADS.c.thread_root.in_(bindparam("roots", expanding=True)),
)


def threads_at(work: Work, wanted: Sequence[Where]) -> dict[Where, ThreadAt]:
    """The ticket thread at each (place, root) that has one, in one SELECT. It reads what is flushed
    (the ack path asks before it writes anything)."""
    if not wanted:
        return {}
    connection = work.session.connection()
    if len({(place.platform, place.channel, root) for place, root in wanted}) == 1:
        place, root = wanted[0]
        params: dict[str, Any] = {"platform": place.platform, "channel": place.channel, "root": root}
        rows = [ThreadAt(*row) for row in _THREAD_AT.rows(connection, params)]
    else:
        params = {
            "platforms": sorted({place.platform for place, _ in wanted}),
            "channels": sorted({place.channel for place, _ in wanted}),
            "roots": sorted({root for _, root in wanted}),
        }
        rows = [ThreadAt(*row) for row in connection.execute(_THREADS_AT, params)]
    found: dict[Where, ThreadAt] = {}
    for place, root in wanted:
        here = [
            r for r in rows if (r.platform, r.channel, r.thread_root) == (place.platform, place.channel, root)
        ]
        exact = [r for r in here if r.workspace == place.workspace]  # as find_thread decides
        thread = exact[0] if exact else (here[0] if len(here) == 1 else None)
        if thread is not None:
            found[(place, root)] = thread
    return found


def claim_receipts(work: Work, *, platform: str, keys: Sequence[str]) -> set[str]:
    """The keys seen for the first time, now claimed; one statement on PostgreSQL and SQLite (MySQL
    and MariaDB cannot say which rows of a multi-row INSERT IGNORE went in: one each there)."""
    unique = sorted({key[:PLATFORM_ID] for key in keys})  # in key order: batches never cross-wait
    if not unique:
        return set()
    connection = work.session.connection()
    dialect = connection.dialect.name
    if dialect not in _ONE_STATEMENT:
        return {key for key in keys if claim_receipt(work, platform=platform, key=key)}
    now = utcnow()
    new: set[str] = set()
    for start in range(0, len(unique), _ROWS_PER_CLAIM):
        chunk = unique[start : start + _ROWS_PER_CLAIM]
        params: dict[str, Any] = {}
        for n, key in enumerate(chunk):
            params[f"platform_{n}"] = platform
            params[f"receipt_key_{n}"] = key
            params[f"received_at_{n}"] = now
        new.update(row[0] for row in _claim(dialect, len(chunk)).rows(connection, params))
    return {key for key in keys if key[:PLATFORM_ID] in new}
