"""Finding tickets: text search, the filters the help center and the agent queues use, capped counts.

Runs on every database; each answers from its own text index (migration 0004), with the same results
for what these tests ask.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent
from assistdesk.domain.tickets import search as ticket_search
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import Status, TicketSource
from assistdesk.domain.tickets.models import Ticket
from assistdesk.runtime import Runtime


def open_ticket(uow: UnitOfWork, org_name: str, title: str, description: str = "") -> Ticket:
    org = orgs.get_org(uow.session, org_name)
    reporter = people.get_contact(uow.session, f"ann@{org_name.lower()}.example")
    return tickets.create_ticket(
        uow,
        org=org,
        reporter=reporter,
        title=title,
        description=description,
        source=TicketSource.PORTAL,
        prefix="SUP",
    )


def add_org(uow: UnitOfWork, name: str) -> Organization:
    org = orgs.create_org(uow, name=name, plan="premium", domains=[f"{name.lower()}.example"])
    people.add_contact(uow, email=f"ann@{name.lower()}.example", org=org, name="Ann")
    return org


def keys(found: Sequence[Ticket]) -> list[str]:
    return [t.key for t in found]


def search(runtime: Runtime, text: str, **filters: object) -> list[str]:
    with runtime.db.reading() as session:
        return keys(tickets.list_tickets(session, text=text, **filters))  # type: ignore[arg-type]


def test_a_word_of_the_description_finds_the_ticket(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        open_ticket(uow, "Acme", "Server down", "Since this morning the disk is full on db-3.")
        open_ticket(uow, "Acme", "Login fails", "After SSO the page stays blank.")
        open_ticket(uow, "Acme", "Disk replaced?", "Was the broken one swapped?")

    assert search(runtime, "full") == ["SUP-1"]
    assert search(runtime, "disk full") == ["SUP-1"]  # every word, in any order, anywhere
    assert search(runtime, "DISK") == ["SUP-3", "SUP-1"]  # title or description, any case
    assert search(runtime, "disk blank") == []
    assert search(runtime, "  ") == ["SUP-3", "SUP-2", "SUP-1"]  # no words: no text filter


def test_japanese_matches_inside_sentences(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        open_ticket(uow, "Acme", "ログインできません", "昨日からディスクが満杯です。至急対応をお願いします。")
        open_ticket(uow, "Acme", "請求書の再発行", "先月分の請求書をもう一度送ってください。")

    assert search(runtime, "ディスク") == ["SUP-1"]
    assert search(runtime, "満杯") == ["SUP-1"]  # two characters: below any trigram, still found
    assert search(runtime, "ログイン 至急") == ["SUP-1"]
    assert search(runtime, "請求書") == ["SUP-2"]
    assert search(runtime, "送って") == ["SUP-2"]


def test_a_key_finds_its_ticket(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        for n in range(1, 13):
            open_ticket(uow, "Acme", f"Request number {n}")
        open_ticket(uow, "Acme", "Follow-up", "Same problem as SUP-2 last week")

    assert search(runtime, "sup-2") == ["SUP-13", "SUP-2"]  # not SUP-12, which only starts alike
    assert search(runtime, "SUP-12") == ["SUP-12"]


def test_search_keeps_to_the_organization(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        acme = add_org(uow, "Acme")
        globex = add_org(uow, "Globex")
        open_ticket(uow, "Acme", "Printer jammed")
        open_ticket(uow, "Globex", "Printer jammed again")

    assert search(runtime, "printer", organization_id=acme.id) == ["SUP-1"]
    assert search(runtime, "printer", organization_id=globex.id) == ["SUP-2"]
    assert search(runtime, "printer") == ["SUP-2", "SUP-1"]


def test_search_pages_newest_first_without_gaps(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        for n in range(1, 21):
            open_ticket(uow, "Acme", f"Invoice question {n}" if n % 3 else f"Password reset {n}")

    seen: list[str] = []
    before: int | None = None
    while True:
        with runtime.db.reading() as session:
            page = tickets.list_tickets(session, text="invoice", before_id=before, limit=4)
        seen.extend(keys(page))
        if len(page) < 4:
            break
        before = page[-1].id
    expected = [f"SUP-{n}" for n in range(20, 0, -1) if n % 3]
    assert seen == expected


def test_wildcards_are_taken_literally(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        open_ticket(uow, "Acme", "Quota at 100% since Monday")
        open_ticket(uow, "Acme", "Quota at 1000 users")
        open_ticket(uow, "Acme", "Field user_name rejected")
        open_ticket(uow, "Acme", "Field username rejected")

    assert search(runtime, "100%") == ["SUP-1"]
    assert search(runtime, "user_name") == ["SUP-3"]
    assert search(runtime, '"quota') == []


def test_edited_and_removed_tickets_are_searched_as_they_are_now(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        first = open_ticket(uow, "Acme", "Mailbox quota exceeded")
        second = open_ticket(uow, "Acme", "Calendar sync stopped")
    with runtime.db.transaction() as uow:
        uow.session.get_one(Ticket, first.id).title = "Mailbox archive missing"
        uow.session.execute(delete(Ticket).where(Ticket.id == second.id))
    with runtime.db.transaction() as uow:
        open_ticket(uow, "Acme", "Printer offline")  # may reuse the removed row's id on SQLite

    assert search(runtime, "quota") == []
    assert search(runtime, "archive") == ["SUP-1"]
    assert search(runtime, "calendar") == []
    assert search(runtime, "printer") == ["SUP-3"]


def five_requests_and_eve(uow: UnitOfWork) -> tuple[Agent, Agent, list[Ticket]]:
    """Acme with five requests (SUP-1 to SUP-5) and Eve, an agent: as added, and as read back."""
    add_org(uow, "Acme")
    eve = people.add_agent(uow, email="eve@vendor.example", name="Eve")
    made = [open_ticket(uow, "Acme", f"Request {n}") for n in range(1, 6)]
    return eve, uow.session.get_one(Agent, eve.id), made


def test_queues_filter_by_assignee_and_status(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        eve, agent, made = five_requests_and_eve(uow)
        tickets.assign(uow, ticket=made[1], agent=agent)
        tickets.assign(uow, ticket=made[2], agent=agent)
        tickets.change_status(
            uow, ticket=made[2], status=Status.RESOLVED, actor=tickets.Author.of_agent(agent)
        )
        tickets.change_status(
            uow, ticket=made[3], status=Status.WAITING_ON_CUSTOMER, actor=tickets.Author.of_agent(agent)
        )
    active = [Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER]
    with runtime.db.reading() as session:
        new = tickets.list_tickets(session, statuses=[Status.OPEN], unassigned=True)
        mine = tickets.list_tickets(session, assignee_id=eve.id, statuses=active)
        waiting = tickets.list_tickets(session, statuses=[Status.WAITING_ON_CUSTOMER])
        assert keys(new) == ["SUP-5", "SUP-1"]
        assert keys(mine) == ["SUP-2"]
        assert keys(waiting) == ["SUP-4"]
        assert tickets.count_tickets(session, statuses=[Status.OPEN], unassigned=True) == 2


def test_counts_stop_past_the_cap(runtime: Runtime) -> None:
    with runtime.db.transaction() as uow:
        acme = add_org(uow, "Acme")
        add_org(uow, "Globex")
        for n in range(12):
            open_ticket(uow, "Acme", f"Disk alert {n}")
        open_ticket(uow, "Globex", "Disk alert")
    with runtime.db.reading() as session:
        assert tickets.count_tickets(session, organization_id=acme.id) == 12
        assert tickets.count_tickets(session, organization_id=acme.id, cap=10) == 11  # "10+"
        assert tickets.count_tickets(session, text="disk alert", cap=100) == 13
        assert tickets.count_tickets(session, text="disk alert", organization_id=acme.id, cap=5) == 6
        assert tickets.count_tickets(session, text="nothing like it") == 0


def test_a_rare_word_is_found_past_the_newest_tickets(runtime: Runtime) -> None:
    """The second step of a search (older tickets through the text index), with a window of 4."""
    with runtime.db.transaction() as uow:
        acme = add_org(uow, "Acme")
        add_org(uow, "Globex")
        for n in range(1, 21):
            rare = n in (2, 5, 17)
            open_ticket(uow, "Globex" if n == 9 else "Acme", f"{'Kerberos realm' if rare else 'Printer'} {n}")
        open_ticket(uow, "Globex", "Kerberos elsewhere")

    def page(before: int | None, **filters: object) -> list[str]:
        conditions = ticket_search.filter_conditions(**filters)  # type: ignore[arg-type]
        with runtime.db.reading() as session:
            found = ticket_search.newest_matching(
                session, filters=conditions, words=["kerberos"], before_id=before, limit=2, window=4
            )
            return keys(found)

    assert page(None, organization_id=acme.id) == ["SUP-17", "SUP-5"]  # 17 in the window, 5 past it
    with runtime.db.reading() as session:
        five = tickets.get_ticket(session, "SUP-5").id
    assert page(five, organization_id=acme.id) == ["SUP-2"]
    assert page(None) == ["SUP-21", "SUP-17"]
    assert page(None, organization_id=acme.id, statuses=[Status.CLOSED]) == []


def test_a_short_rare_word_is_found_past_the_newest_tickets(runtime: Runtime) -> None:
    """Two characters make no trigram: the second step walks the older tickets instead."""
    with runtime.db.transaction() as uow:
        add_org(uow, "Acme")
        for n in range(1, 13):
            open_ticket(uow, "Acme", "ディスクが満杯です" if n in (3, 11) else f"ログインできません {n}")

    with runtime.db.reading() as session:
        found = ticket_search.newest_matching(
            session, filters=[], words=["満杯"], before_id=None, limit=2, window=4
        )
        assert keys(found) == ["SUP-11", "SUP-3"]
