"""Story 6: `@bot help` explains usage; `@bot status KEY` answers for the group's organization only."""

from __future__ import annotations

from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from tests.lark.conftest import Desk, open_ticket
from tests.lark.pushes import texts


def answer_to(desk: Desk, text: str, count: int = 1) -> list[str]:
    desk.lark.say(text)
    card = desk.fake.wait_for(count, kind="ephemeral")[-1]
    return texts(card.content)


def test_help_explains_how_to_use_the_bot(desk: Desk) -> None:
    assert answer_to(desk, "help") == [
        "How to get help here",
        "Mention me with a description of the problem: I will show you a form to open a request.",
        "Reply in a request's thread to add a comment; the support team's answers appear there.",
        "@bot help: this message.",
        "@bot status SUP-12: the status of a request of this group's organization.",
    ]


def test_status_shows_a_ticket_of_the_groups_organization(desk: Desk) -> None:
    open_ticket(desk, "Checkout API returns 502", severity="S1")
    desk.api.patch("/tickets/SUP-1", json={"status": "waiting_on_customer"})
    shown = answer_to(desk, "status sup-1", count=2)
    assert shown == [
        "SUP-1 · Checkout API returns 502",
        "Waiting on customer",
        "Status: Waiting on customer",
        "Severity: S1 (critical)",
        "View request",
    ]


def test_status_says_nothing_about_other_organizations_tickets(desk: Desk) -> None:
    def other(uow):  # type: ignore[no-untyped-def]
        org = orgs.create_org(uow, name="Globex", plan="premium")
        contact = people.add_contact(uow, email="hank@globex.example", org=org)
        tickets.create_ticket(
            uow,
            org=org,
            reporter=contact,
            title="Globex secret outage",
            source=TicketSource.API,
            prefix="SUP",
        )

    desk.runtime.db.run(other)
    for_other_org = answer_to(desk, "status SUP-1")
    for_nothing = answer_to(desk, "status SUP-999", count=2)
    assert for_other_org == ["No request SUP-1 here", "This group's organization has no request SUP-1."]
    assert for_nothing == ["No request SUP-999 here", "This group's organization has no request SUP-999."]


def test_status_without_a_key_asks_for_one(desk: Desk) -> None:
    assert answer_to(desk, "status") == [
        "Which request?",
        "Write the request's key, for example: @bot status SUP-12",
    ]


def test_a_direct_message_to_the_bot_gets_the_help_card(desk: Desk) -> None:
    dm = "oc_directchat0000000000000000000001"
    desk.lark.say("hello?", chat_id=dm, chat_type="p2p", mention_bot=False)
    [card] = desk.fake.wait_for(1, kind="message")  # ephemeral cards exist only in groups
    assert (card.chat_id, texts(card.content)[0]) == (dm, "How to get help here")
    assert card.uuid


def test_status_shows_others_requests_only_to_admins_unless_raised_in_the_group(desk: Desk) -> None:
    """Like the help center: Ann (no admin) sees her own requests and those raised in this group,
    not Bob's request opened elsewhere, until she is an organization admin."""
    open_ticket(desk, "Checkout API returns 502")  # SUP-1, Ann's, raised here

    def elsewhere(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, "Acme")
        bob = people.add_contact(uow, email="bob@acme.example", org=org, name="Bob")
        ann = people.find_contact(uow.session, "ann@acme.example")
        for reporter, title in ((bob, "Bob's salary export"), (ann, "Ann's invoice")):
            tickets.create_ticket(
                uow, org=org, reporter=reporter, title=title, source=TicketSource.PORTAL, prefix="SUP"
            )

    desk.runtime.db.run(elsewhere)
    assert answer_to(desk, "status SUP-2", count=2) == [
        "No request SUP-2 here",
        "This group's organization has no request SUP-2.",
    ]
    assert answer_to(desk, "status SUP-3", count=3)[0] == "SUP-3 · Ann's invoice"
    assert answer_to(desk, "status SUP-1", count=4)[0] == "SUP-1 · Checkout API returns 502"

    def promote(uow):  # type: ignore[no-untyped-def]
        people.find_contact(uow.session, "ann@acme.example").is_admin = True

    desk.runtime.db.run(promote)
    assert answer_to(desk, "status SUP-2", count=5)[0] == "SUP-2 · Bob's salary export"
