"""The reporter of a chat ticket switches mail on in the help center, and then hears of agent
replies by mail too; before that, only the chat thread is told."""

from __future__ import annotations

import httpx

from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, TicketSource
from tests.mail.conftest import MailDesk
from tests.pages.conftest import follow_link, post_form

ANN = "ann@acme.example"


def _customer(desk: MailDesk, email: str) -> httpx.Client:
    client = httpx.Client(base_url=desk.url, timeout=10, follow_redirects=False)
    post_form(client, "/help/login", "/help/login", {"email": email})
    link = desk.mailbox.wait_for(email).link
    assert follow_link(client, link.replace(desk.runtime.settings.public_url, "")).status_code == 303
    return client


def _agent_replies(desk: MailDesk, key: str, body: str) -> None:
    def work(uow):  # type: ignore[no-untyped-def]
        agent = people.get_agent(uow.session, "ada@vendor.example")
        tickets.add_comment(
            uow,
            ticket=tickets.get_ticket(uow.session, key),
            author=tickets.Author.of_agent(agent),
            body=body,
            public=True,
            source=CommentSource.CONSOLE,
        )

    desk.runtime.db.run(work)


def test_a_chat_reporter_switches_mail_on(mail_desk: MailDesk) -> None:
    def open_chat_ticket(uow):  # type: ignore[no-untyped-def]
        ann = people.get_contact(uow.session, ANN)
        return tickets.create_ticket(
            uow,
            org=ann.organization,
            reporter=ann,
            title="From Slack",
            source=TicketSource.SLACK,
            prefix="SUP",
        ).key

    key = mail_desk.runtime.db.run(open_chat_ticket)
    ann = _customer(mail_desk, ANN)
    _agent_replies(mail_desk, key, "Answered in the thread only.")

    page = ann.get(f"/help/requests/{key}")
    assert "Updates to this request appear in its chat thread." in page.text
    switched = post_form(ann, f"/help/requests/{key}", f"/help/requests/{key}/mail", {"mail": "on"})
    assert switched.status_code == 303
    assert "Updates to this request are also mailed to you." in ann.get(f"/help/requests/{key}").text

    _agent_replies(mail_desk, key, "Now by mail too.")
    mailed = mail_desk.mailbox.wait_for(ANN, tickets=True)
    assert mailed.subject == f"[{key}] From Slack"
    assert "Now by mail too." in mailed.body
    assert all(
        "Answered in the thread only." not in m.body for m in mail_desk.mailbox.messages(ANN, tickets=True)
    )


def test_a_mailed_ticket_has_no_switch_and_a_stranger_cannot_switch(mail_desk: MailDesk) -> None:
    def open_portal_ticket(uow):  # type: ignore[no-untyped-def]
        ann = people.get_contact(uow.session, ANN)
        return tickets.create_ticket(
            uow, org=ann.organization, reporter=ann, title="Portal", source=TicketSource.PORTAL, prefix="SUP"
        ).key

    key = mail_desk.runtime.db.run(open_portal_ticket)
    gina = _customer(mail_desk, "gina@globex.example")
    answer = post_form(gina, "/help/requests", f"/help/requests/{key}/mail", {"mail": "on"})
    assert answer.status_code == 404
    ann = _customer(mail_desk, ANN)
    assert 'id="mail-follow"' not in ann.get(f"/help/requests/{key}").text
