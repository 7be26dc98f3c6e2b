"""The console's queues and search: fifty tickets a page, with the count of each queue in its tab.

A queue is read as plain rows (`domain/tickets/queues.py`) and presented once (`presenters`): the
viewer, the page and the counts in one trip to a database thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import timedelta
from functools import partial
from operator import attrgetter
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from assistdesk.domain.tickets import queues
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.queues import QueueFilter, TicketLine
from assistdesk.errors import NotFound
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.guard import runtime_of, translator
from assistdesk.web.pages.presenters import TIMED, QueueRow, Words, queue_row
from assistdesk.web.pages.rendering import named_fragment
from assistdesk.web.pages.sla_views import sla_cell, sla_reading, span
from assistdesk.web.pages.viewers import Staff, staff_in

router = APIRouter(prefix="/agent")

PAGE_SIZE = 50
COUNT_CAP = 1000
QUEUES = ("new", "mine", "waiting", "all", "breaching")
# Queues ordered by first-response due time (offset-paged); the others are newest first.
DUE_ORDERED = ("new", "breaching")
BREACHING_WITHIN = timedelta(hours=1)
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


QUEUE_FILTERS = {
    "new": QueueFilter(statuses=(Status.OPEN,), unassigned=True),
    "mine": QueueFilter(statuses=WORKING, mine=True),
    "waiting": QueueFilter(statuses=(Status.WAITING_ON_CUSTOMER,)),
    "all": QueueFilter(),
    queues.BREACHING: QueueFilter(),  # and due within the hour: `queues.by_due`, `count_queues`
}
COUNTED = {name: QUEUE_FILTERS[name] for name in QUEUES if name != queues.BREACHING}


# A line's values as a plain tuple (C-level attribute reads), complete by construction: every field
# of `TicketLine`, whatever fields it gains.
_LINE_VALUES = attrgetter(*(f.name for f in fields(TicketLine)))


def table_rows(lines: Sequence[TicketLine], shown: Words) -> Markup:
    """The queue table's rows (agent/queue_row.html), each rendered once per distinct row.

    A row is the ticket's line, its first-response badge at this moment and the reader's language.
    The badge is known from the line (its due time), the level and state of its clock and the time
    left as spelled (`Words.sla`). A row is kept under its ticket, language and badge, with its
    line's values (`rendering.named_fragment`), so a row already shown costs its clock reading and a
    comparison, not its badge, labels and dates again (`presenters.queue_row` and `Words.sla` run
    only for a row not kept)."""
    now = shown.now
    locale = shown.locale
    rows = []
    for line in lines:
        state, level, seconds = sla_reading(line, now)
        spelled = span(seconds, locale) if level in TIMED else ""
        name = (locale, line.id, level, state, spelled)
        rows.append(
            named_fragment("agent/queue_row.html", name, _LINE_VALUES(line), partial(_queue_row, line, shown))
        )
    # Every part is a fragment, escaped already: `Markup.join` would escape each again, for nothing.
    return Markup("\n".join(rows))  # noqa: S704


def _queue_row(line: TicketLine, shown: Words) -> QueueRow:
    return queue_row(line, shown, shown.sla(sla_cell(line, shown.now)))


# Every tab's count, read with the page (`queues.QueuePage`) or on its own (a search).
COUNTS = queues.Counts(tuple(COUNTED.items()), COUNT_CAP, BREACHING_WITHIN)


def _shown_counts(counts: dict[str, int]) -> dict[str, str]:
    return {q: f"{COUNT_CAP}+" if n > COUNT_CAP else str(n) for q, n in counts.items()}


def _queue(session: Session, queue: str, agent_id: int, before: int | None, offset: int) -> queues.QueuePage:
    """A page of `queue` and every queue's count, in one statement."""
    chosen = QUEUE_FILTERS[queue]
    if queue in DUE_ORDERED:
        return queues.by_due(
            session,
            chosen,
            agent_id=agent_id,
            breaching_within=BREACHING_WITHIN if queue == "breaching" else None,
            offset=offset,
            limit=PAGE_SIZE + 1,
            counts=COUNTS,
        )
    return queues.newest(
        session, chosen, agent_id=agent_id, before_id=before, limit=PAGE_SIZE + 1, counts=COUNTS
    )


@router.get("/queue/{queue}")
async def queue_page(
    request: Request, queue: str, before: int | None = None, page_number: int = 0
) -> Response:
    offset = max(0, min(page_number, 1000)) * PAGE_SIZE

    def read(session: Session) -> tuple[Staff, list[TicketLine], dict[str, str]]:
        viewer = staff_in(session, request)
        if queue not in QUEUES:
            raise NotFound(f"no queue {queue!r}")
        found = _queue(session, queue, viewer.agent_id, before, offset)
        return viewer, found.lines, _shown_counts(found.counts)

    viewer, found, counts = await runtime_of(request).db.read_async(read)
    rows = found[:PAGE_SIZE]
    next_url = None
    if len(found) > PAGE_SIZE:
        next_url = (
            f"/agent/queue/{queue}?page_number={offset // PAGE_SIZE + 1}"
            if queue in DUE_ORDERED
            else f"/agent/queue/{queue}?before={rows[-1].id}"
        )
    return page(
        request,
        "agent/queue.html",
        viewer,
        queue=queue,
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=f"/agent/queue/{queue}",
        q="",
        table_rows=table_rows(rows, Words(translator(request))),
    )


@router.get("/search")
async def search(request: Request, q: str = "", before: int | None = None) -> Response:
    words = q.strip()[:200]

    def read(session: Session) -> tuple[Staff, list[TicketLine], dict[str, str]]:
        viewer = staff_in(session, request)
        found = (
            tickets.list_tickets(session, text=words, before_id=before, limit=PAGE_SIZE + 1) if words else []
        )
        counts = queues.count_queues(session, COUNTS, agent_id=viewer.agent_id)
        return viewer, queues.lines_of(found), _shown_counts(counts)

    viewer, found, counts = await runtime_of(request).db.read_async(read)
    rows = found[:PAGE_SIZE]
    next_url = (
        f"/agent/search?{urlencode({'q': words, 'before': rows[-1].id})}" if len(found) > PAGE_SIZE else None
    )
    return page(
        request,
        "agent/queue.html",
        viewer,
        queue="search",
        rows=rows,
        counts=counts,
        next_url=next_url,
        first_url=f"/agent/search?{urlencode({'q': words})}",
        q=words,
        table_rows=table_rows(rows, Words(translator(request))),
    )
