"""The console's queue reads (`domain/tickets/queues.py`): a page of a queue carries every tab's count
in the same statement, and those counts are the ones read on their own — on a full page, on an empty
one (no row to carry them), past the cap, and for the tickets breaching soon."""

from __future__ import annotations

from datetime import timedelta

from assistdesk.domain.tickets import queues
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import Status
from assistdesk.runtime import Runtime
from tests.domain.test_ticket_search import five_requests_and_eve

WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)
FILTERS = {
    "new": queues.QueueFilter(statuses=(Status.OPEN,), unassigned=True),
    "mine": queues.QueueFilter(statuses=WORKING, mine=True),
    "waiting": queues.QueueFilter(statuses=(Status.WAITING_ON_CUSTOMER,)),
    "all": queues.QueueFilter(),
}
COUNTS = queues.Counts(tuple(FILTERS.items()), cap=3, breaching_within=timedelta(days=30))


def test_a_page_reads_the_same_counts_as_the_counts_alone(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        eve, agent, made = five_requests_and_eve(uow)
        tickets.assign(uow, ticket=made[1], agent=agent)
        tickets.change_status(
            uow, ticket=made[1], status=Status.WAITING_ON_CUSTOMER, actor=tickets.Author.of_agent(agent)
        )
    expected = {"new": 4, "mine": 1, "waiting": 1, "all": 4, queues.BREACHING: 4}  # capped at 3 + 1
    with runtime.db.reading() as session:
        alone = queues.count_queues(session, COUNTS, agent_id=eve.id)
        everything = queues.newest(session, FILTERS["all"], agent_id=eve.id, limit=2, counts=COUNTS)
        waiting = queues.by_due(session, FILTERS["waiting"], agent_id=eve.id, counts=COUNTS)
        breaching = queues.by_due(
            session, FILTERS["all"], agent_id=eve.id, breaching_within=COUNTS.breaching_within, counts=COUNTS
        )
        older = queues.newest(session, FILTERS["all"], agent_id=eve.id, before_id=made[0].id, counts=COUNTS)
        uncounted = queues.newest(session, FILTERS["mine"], agent_id=eve.id)
    assert alone == expected
    assert [line.key for line in everything.lines] == ["SUP-5", "SUP-4"] and everything.counts == expected
    assert [line.key for line in waiting.lines] == ["SUP-2"] and waiting.counts == expected
    assert len(breaching.lines) == 5 and breaching.counts == expected
    assert older.lines == [] and older.counts == expected  # an empty page asks for them on its own
    assert [line.key for line in uncounted.lines] == ["SUP-2"] and uncounted.counts == {}
