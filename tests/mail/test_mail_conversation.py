"""A customer writes to support@, is acknowledged, hears the agent's answer in the same mail
conversation, replies from a mail client, and the agent sees the reply without the quoted history."""

from __future__ import annotations

import pytest

from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, Status
from tests.mail.conftest import MailDesk, wait_until
from tests.mail.shapes import SHAPES, mail

ANN = "ann@acme.example"


def _open_by_listener(desk: MailDesk, subject: str = "Checkout times out") -> tuple[str, str]:
    desk.send(
        mail(
            sender=ANN,
            name="Ann",
            subject=subject,
            body="The checkout spins for a minute.\n\n-- \nAnn, Acme",
            message_id="<first@acme.example>",
        ),
        sender=ANN,
    )
    ticket = wait_until(lambda: desk.tickets())[0]
    return ticket.key, "<first@acme.example>"


def _agent_writes(desk: MailDesk, key: str, body: str, *, public: bool = True) -> None:
    def work(uow):  # type: ignore[no-untyped-def]
        agent = people.get_agent(uow.session, "ada@vendor.example")
        tickets.add_comment(
            uow,
            ticket=tickets.get_ticket(uow.session, key),
            author=tickets.Author.of_agent(agent),
            body=body,
            public=public,
            source=CommentSource.CONSOLE,
        )

    desk.runtime.db.run(work)


def test_a_mail_to_support_opens_a_ticket_and_is_acknowledged(mail_desk: MailDesk) -> None:
    key, first = _open_by_listener(mail_desk)

    ticket = mail_desk.tickets()[0]
    assert (ticket.title, ticket.source, ticket.reporter.email) == ("Checkout times out", "email", ANN)
    assert ticket.description == "The checkout spins for a minute."
    ack = mail_desk.mailbox.wait_for(ANN, tickets=True)
    assert ack.subject == f"[{key}] Checkout times out"
    assert f"We received your request {key}: Checkout times out" in ack.body
    assert f"{mail_desk.runtime.settings.public_url}/help/requests/{key}" in ack.body
    assert ack.header("In-Reply-To") == first
    assert first in ack.header("References")
    assert ack.header("Reply-To") == "support@desk.test"
    assert ack.header("Auto-Submitted") == "auto-generated"
    assert f'href="{mail_desk.runtime.settings.public_url}/help/requests/{key}"' in ack.html
    # Premium promises a first response (S3: 4 business hours): the acknowledgement says by when.
    assert ticket.first_response_due_at is not None
    assert "Expected first response: " in ack.body and "(UTC)" in ack.body


def test_agent_reply_and_status_change_arrive_in_the_same_conversation(mail_desk: MailDesk) -> None:
    key, first = _open_by_listener(mail_desk)
    ack = mail_desk.mailbox.wait_for(ANN, tickets=True)

    _agent_writes(mail_desk, key, "Please clear the cache & try again.")
    _agent_writes(mail_desk, key, "internal: customer is on the old plan", public=False)
    reply = mail_desk.mailbox.wait_for(ANN, count=2, tickets=True)
    assert reply.subject == f"[{key}] Checkout times out"
    assert "Ada Admin" in reply.header("From") and "support@desk.test" in reply.header("From")
    assert "Please clear the cache & try again." in reply.body
    assert "clear the cache &amp; try again" in reply.html
    assert reply.header("In-Reply-To") == first
    assert reply.header("Message-ID") not in (ack.header("Message-ID"), first)

    mail_desk.runtime.db.run(
        lambda uow: tickets.change_status(
            uow,
            ticket=tickets.get_ticket(uow.session, key),
            status=Status.RESOLVED,
            actor=tickets.Author.of_agent(people.get_agent(uow.session, "ada@vendor.example")),
        )
    )
    status = mail_desk.mailbox.wait_for(ANN, count=3, tickets=True)
    assert f"Your request {key} is now: Resolved" in status.body
    assert status.header("In-Reply-To") == first
    assert all("internal" not in m.body for m in mail_desk.mailbox.messages(ANN, tickets=True))


@pytest.mark.parametrize("client", sorted(SHAPES))
def test_a_reply_from_a_mail_client_becomes_a_comment_without_the_quote(
    mail_desk: MailDesk, client: str
) -> None:
    key, _ = _open_by_listener(mail_desk)
    _agent_writes(mail_desk, key, "Please clear the cache and try again.")
    agent_mail = mail_desk.mailbox.wait_for(ANN, count=2, tickets=True)
    mail_desk.runtime.db.run(
        lambda uow: tickets.change_status(
            uow,
            ticket=tickets.get_ticket(uow.session, key),
            status=Status.WAITING_ON_CUSTOMER,
            actor=tickets.Author.of_agent(people.get_agent(uow.session, "ada@vendor.example")),
        )
    )
    body, expected = SHAPES[client]

    mail_desk.dovecot.deliver(
        mail(
            sender=ANN,
            subject=f"Re: [{key}] Checkout times out",
            body=body,
            message_id=f"<reply-{client}@acme.example>",
            in_reply_to=agent_mail.header("Message-ID"),
        )
    )

    comments = wait_until(lambda: [c for c in mail_desk.comments(key) if c.source == "email"])
    assert comments[0].body == expected
    assert comments[0].public and comments[0].author_email == ANN
    assert mail_desk.tickets()[0].status == "open"  # a customer's reply reopens a waiting ticket
    wait_until(lambda: mail_desk.dovecot.unseen() == 0)


def test_key_in_the_subject_finds_the_ticket_when_the_headers_are_lost(mail_desk: MailDesk) -> None:
    key, _ = _open_by_listener(mail_desk)
    mail_desk.dovecot.deliver(
        mail(
            sender=ANN,
            subject=f"AW: [{key}] Checkout",
            body="One more detail.",
            message_id="<k@acme.example>",
        )
    )
    wait_until(lambda: [c for c in mail_desk.comments(key) if c.body == "One more detail."])
    assert len(mail_desk.tickets()) == 1


def test_a_japanese_mail_in_iso_2022_jp_opens_a_ticket_answered_in_japanese(mail_desk: MailDesk) -> None:
    mail_desk.send(
        mail(
            sender=ANN,
            subject="返信: ログインできません",
            body="パスワードを入れてもログインできません。",
            message_id="<jp@acme.example>",
            charset="iso-2022-jp",
        ),
        sender=ANN,
    )
    ticket = wait_until(lambda: mail_desk.tickets())[0]
    assert ticket.title == "ログインできません"
    assert ticket.description == "パスワードを入れてもログインできません。"
    ack = mail_desk.mailbox.wait_for(ANN, tickets=True)
    assert ack.subject == f"[{ticket.key}] ログインできません"
    assert "お問い合わせ" in ack.body


def test_the_same_mail_by_both_ways_in_and_twice_is_taken_once(mail_desk: MailDesk) -> None:
    raw = mail(sender=ANN, subject="Twice", body="Sent twice.", message_id="<twice@acme.example>")
    mail_desk.send(raw, sender=ANN)
    mail_desk.send(raw, sender=ANN)
    mail_desk.dovecot.deliver(raw)
    wait_until(lambda: mail_desk.dovecot.unseen() == 0)
    assert len(mail_desk.tickets()) == 1
    mail_desk.mailbox.wait_for(ANN, tickets=True)
    assert len(mail_desk.mailbox.messages(ANN, tickets=True)) == 1


def test_a_mail_committed_but_not_flagged_before_a_crash_is_taken_once(mail_desk: MailDesk) -> None:
    raw = mail(
        sender=ANN, subject="Crash", body="Between commit and flag.", message_id="<crash@acme.example>"
    )
    # The worker that read it committed it, then died before flagging it \Seen in the mailbox.
    mail_desk.receiver().accept(raw)
    mail_desk.dovecot.deliver(raw)

    wait_until(lambda: mail_desk.dovecot.unseen() == 0)
    assert [t.title for t in mail_desk.tickets()] == ["Crash"]


def test_attachments_and_inline_images_are_kept(mail_desk: MailDesk) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = ANN
    message["To"] = "support@desk.test"
    message["Subject"] = "Screenshot"
    message["Message-ID"] = "<files@acme.example>"
    message.set_content("See the picture.")
    message.add_alternative('<p>See the picture.</p><img src="cid:shot">', subtype="html")
    html = message.get_payload()[1]
    html.add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<shot>")
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="export.csv")
    mail_desk.dovecot.deliver(bytes(message))

    ticket = wait_until(lambda: mail_desk.tickets())[0]
    assert ticket.description == "See the picture."
    [holder] = wait_until(lambda: mail_desk.comments(ticket.key))
    assert sorted((a.content_type, a.size) for a in holder.attachments) == [("image/png", 9), ("text/csv", 8)]
    assert "export.csv" in [a.filename for a in holder.attachments]


def test_a_reply_to_a_closed_ticket_opens_a_new_one(mail_desk: MailDesk) -> None:
    key, first = _open_by_listener(mail_desk)
    for status in (Status.RESOLVED, Status.CLOSED):
        mail_desk.runtime.db.run(
            lambda uow, status=status: tickets.change_status(  # type: ignore[misc]
                uow,
                ticket=tickets.get_ticket(uow.session, key),
                status=status,
                actor=tickets.Author.of_agent(people.get_agent(uow.session, "ada@vendor.example")),
            )
        )
    mail_desk.receiver().accept(
        mail(
            sender=ANN,
            subject=f"Re: [{key}] Checkout times out",
            body="It is back.",
            message_id="<again@acme.example>",
            in_reply_to=first,
        )
    )
    assert [t.title for t in mail_desk.tickets()] == ["Checkout times out", "Checkout times out"]
    assert mail_desk.tickets()[1].description == "It is back."


def test_a_colleague_at_the_organizations_domain_may_add_to_a_ticket_by_its_key(mail_desk: MailDesk) -> None:
    key, _ = _open_by_listener(mail_desk)
    received = mail_desk.receiver().accept(
        mail(
            sender="carl@acme.example",
            name="Carl",
            subject=f"[{key}] Checkout times out",
            body="Same here since Monday.",
            message_id="<carl@acme.example>",
        )
    )
    assert (received.verdict, received.ticket_key) == ("comment", key)
    assert [(c.author_email, c.body) for c in mail_desk.comments(key)] == [
        ("carl@acme.example", "Same here since Monday.")
    ]
