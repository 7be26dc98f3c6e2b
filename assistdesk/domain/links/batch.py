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

from sqlalchemy import and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.links import channel_orgs
from assistdesk.domain.links.channel_orgs import ChannelOrg
from assistdesk.domain.links.models import PLATFORM_ID, ChannelLink, InboundReceipt, TicketThread
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.links.service import claim_receipt
from assistdesk.domain.orgs.enums import Feature

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
_LINKS = table_of(ChannelLink)
_COLUMNS = tuple(_THREADS.c[name] for name in ThreadAt.__slots__)


def _thread_at(feature: Feature) -> DriverStatement:
    """Most batches are one event in one thread: that statement has no IN list to expand, so its SQL
    is the same on every call and it runs on the driver's cursor (PostgreSQL prepares it once). It
    reads the channel's links and their organizations beside the thread (a row per link, none joined
    when the channel has none): the thread's event asks its entitlement next, and a statement of its
    own was one more round trip of the ack. Built once per feature; immutable, not state."""
    links = channel_orgs.links_with_orgs()
    on = and_(_LINKS.c.platform == _THREADS.c.platform, _LINKS.c.channel == _THREADS.c.channel)
    return DriverStatement(
        select(*_COLUMNS, *channel_orgs.columns(feature))
        .select_from(_THREADS.outerjoin(links, on))
        .where(
            _THREADS.c.platform == bindparam("platform"),
            _THREADS.c.channel == bindparam("channel"),
            _THREADS.c.thread_root == bindparam("root"),
        )
    )


_THREAD_AT = {feature: _thread_at(feature) for feature in Feature}
_THREAD_FIELDS = len(_COLUMNS)
_THREADS_AT = select(*_COLUMNS).where(
    _THREADS.c.platform.in_(bindparam("platforms", expanding=True)),
    _THREADS.c.channel.in_(bindparam("channels", expanding=True)),
    _THREADS.c.thread_root.in_(bindparam("roots", expanding=True)),
)


def threads_at(
    work: Work, wanted: Sequence[Where], feature: Feature
) -> tuple[dict[Where, ThreadAt], dict[ChatPlace, ChannelOrg | None]]:
    """The ticket thread at each (place, root) that has one, in one SELECT. It reads what is flushed
    (the ack path asks before it writes anything). When all are one thread and it exists, also its
    place's organization with `feature`'s state (`channel_orgs.channel_org`), from the same SELECT;
    other places are not in the second dict."""
    if not wanted:
        return {}, {}
    connection = work.session.connection()
    channels: dict[ChatPlace, ChannelOrg | None] = {}
    if len({(place.platform, place.channel, root) for place, root in wanted}) == 1:
        place, root = wanted[0]
        params: dict[str, Any] = {"platform": place.platform, "channel": place.channel, "root": root}
        joined = _THREAD_AT[feature].rows(connection, params)
        rows = list(dict.fromkeys(ThreadAt(*row[:_THREAD_FIELDS]) for row in joined))
        if rows:  # the links, once (each thread row carries them all)
            first = rows[0].id
            links = [
                row[_THREAD_FIELDS:]
                for row in joined
                if row[0] == first and row[_THREAD_FIELDS + 1] is not None
            ]
            for place in {place for place, _ in wanted}:  # a burst in one thread: chosen once
                channels[place] = channel_orgs.choose(links, place, feature)
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
    return found, channels


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
