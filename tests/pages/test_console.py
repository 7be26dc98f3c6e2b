"""The agent console: sign-in, queues with counts, public reply versus internal note, ticket changes."""

from __future__ import annotations

import re

from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.tickets import service as tickets
from tests.pages.conftest import Desk, post_form


def test_wrong_passwords_are_refused_and_pages_need_a_session(desk: Desk) -> None:
    browser = desk.client()
    assert browser.get("/agent/queue/new").headers["location"].startswith("/agent/login?next=")
    wrong = post_form(
        browser, "/agent/login", "/agent/login", {"email": "eve@vendor.example", "password": "nope"}
    )
    assert wrong.status_code == 401 and "Wrong email or password" in wrong.text
    customer = desk.customer("ann@acme.example")
    assert customer.get("/agent/queue/all").status_code == 303  # a customer session is not an agent's


def test_a_public_reply_reaches_the_customer_and_an_internal_note_does_not(desk: Desk) -> None:
    eve = desk.agent("eve@vendor.example")
    queue = eve.get("/agent/queue/new").text
    assert re.search(r'data-queue-count="new">3<', queue) and "Globex invoice address" in queue
    post_form(eve, "/agent/tickets/SUP-1", "/agent/tickets/SUP-1/reply", {"body": "We are deploying a fix."})
    post_form(eve, "/agent/tickets/SUP-1", "/agent/tickets/SUP-1/note", {"body": "Root cause: pool size 5."})
    answer = post_form(
        eve,
        "/agent/tickets/SUP-1",
        "/agent/tickets/SUP-1/update",
        {"status": "waiting_on_customer", "severity": "S2", "assignee": "eve@vendor.example"},
    )
    assert answer.status_code == 303
    console = eve.get("/agent/tickets/SUP-1").text
    assert "We are deploying a fix." in console and "Root cause: pool size 5." in console
    assert re.search(r'data-queue-count="mine">1<', eve.get("/agent/queue/mine").text)

    ann = desk.customer("ann@acme.example")
    page = ann.get("/help/requests/SUP-1").text
    assert "We are deploying a fix." in page and "Root cause" not in page
    assert "Waiting on customer" in page
    # the customer's reply reopens it
    post_form(ann, "/help/requests/SUP-1", "/help/requests/SUP-1/reply", {"body": "Still failing here."})
    with desk.runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-1")
        assert (ticket.status, ticket.severity, ticket.assignee.email if ticket.assignee else None) == (
            "open",
            "S2",
            "eve@vendor.example",
        )


def test_an_illegal_change_is_explained_and_changes_nothing(desk: Desk) -> None:
    eve = desk.agent("eve@vendor.example")
    post_form(
        eve,
        "/agent/tickets/SUP-2",
        "/agent/tickets/SUP-2/update",
        {"status": "resolved", "severity": "S3", "assignee": ""},
    )
    post_form(
        eve,
        "/agent/tickets/SUP-2",
        "/agent/tickets/SUP-2/update",
        {"status": "closed", "severity": "S3", "assignee": ""},
    )
    answer = post_form(eve, "/agent/tickets/SUP-2", "/agent/tickets/SUP-2/reply", {"body": "late"})
    assert answer.status_code == 409 and "closed" in answer.text
    empty = post_form(eve, "/agent/tickets/SUP-1", "/agent/tickets/SUP-1/note", {"body": "   "})
    assert empty.status_code == 422
    with desk.runtime.db.reading() as session:
        assert tickets.comments_of(session, tickets.get_ticket(session, "SUP-1"), public_only=False) == []


def test_the_ticket_page_links_to_its_chat_threads(desk: Desk) -> None:
    from assistdesk.domain.links import service as links
    from assistdesk.domain.links.models import ChatPlatform

    def threads(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        links.open_thread(
            uow,
            ChatPlace(ChatPlatform.SLACK, "T0ACME", "C0SUPPORT"),
            ticket_id=ticket.id,
            thread_root="1700000000.000100",
        )
        links.open_thread(
            uow, ChatPlace(ChatPlatform.LARK, "", "oc_acme"), ticket_id=ticket.id, thread_root="om_1"
        )

    desk.runtime.db.run(threads)
    page = desk.agent("eve@vendor.example").get("/agent/tickets/SUP-1").text
    slack = 'href="https://app.slack.com/client/T0ACME/C0SUPPORT/thread/C0SUPPORT-1700000000.000100"'
    lark = 'href="https://applink.larksuite.com/client/chat/open?openChatId=oc_acme"'
    assert slack in page and lark in page
    assert page.index(slack) < page.index(lark)  # in the order they were opened
