"""Machine mail is never answered and opens nothing; strangers and flooders are held for an admin;
bad input never stops the reader nor loses the next mail."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import pytest

from assistdesk.bridge.mail.models import BouncingAddress, HeldMail
from assistdesk.bridge.mail.receiving import MailReceiver
from assistdesk.db.engine import build_engine
from assistdesk.db.uow import Database
from tests.conftest import make_settings
from tests.mail.conftest import SUPPORT, MailDesk, wait_until
from tests.mail.shapes import mail

ANN = "ann@acme.example"

AUTOMATIC = {
    "auto-submitted": {"Auto-Submitted": "auto-replied"},
    "precedence bulk": {"Precedence": "bulk"},
    "mailing list": {"List-Id": "<announce.acme.example>"},
    "out of office": {"X-Autoreply": "yes"},
    "exchange out of office": {"X-Auto-Response-Suppress": "All"},
}


@pytest.mark.parametrize("kind", sorted(AUTOMATIC))
def test_automatic_mail_opens_nothing_and_is_not_answered(mail_desk: MailDesk, kind: str) -> None:
    mail_desk.dovecot.deliver(
        mail(
            sender=ANN,
            subject="Out of office",
            body="I am away.",
            message_id="<auto@acme.example>",
            headers=AUTOMATIC[kind],
        )
    )
    mail_desk.dovecot.deliver(
        mail(sender=ANN, subject="Real", body="A person.", message_id="<real@acme.example>")
    )
    wait_until(lambda: mail_desk.dovecot.unseen() == 0)
    assert [t.title for t in mail_desk.tickets()] == ["Real"]
    mail_desk.mailbox.wait_for(ANN, tickets=True)
    assert [m.subject for m in mail_desk.mailbox.messages(ANN, tickets=True)] == ["[SUP-1] Real"]


def _bounce(recipient: str) -> bytes:
    report = EmailMessage()
    report["From"] = "MAILER-DAEMON@mx.acme.example"
    report["To"] = SUPPORT
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = "<bounce@mx.acme.example>"
    report.set_content("This is the mail system. Your mail could not be delivered.")
    status = EmailMessage()
    status.set_content(
        f"Reporting-MTA: dns; mx.acme.example\n\nFinal-Recipient: rfc822; {recipient}\nAction: failed\nStatus: 5.1.1\n"
    )
    report.make_mixed()
    report.attach(status)
    raw = bytes(report)
    # A delivery-status notification (RFC 3464).
    raw = raw.replace(b"multipart/mixed", b"multipart/report; report-type=delivery-status", 1)
    return raw.replace(
        b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 7bit\nMIME-Version: 1.0\n\nReporting',
        b"Content-Type: message/delivery-status\n\nReporting",
    )


def test_a_bounce_marks_the_address_and_opens_nothing(mail_desk: MailDesk) -> None:
    mail_desk.send(_bounce("bob@acme.example"), sender="")
    wait_until(lambda: mail_desk.count(BouncingAddress) == 1)
    assert mail_desk.tickets() == []
    with mail_desk.runtime.db.reading() as session:
        assert session.get(BouncingAddress, "bob@acme.example") is not None


def test_mail_from_our_own_address_is_ignored(mail_desk: MailDesk) -> None:
    received = mail_desk.receiver().accept(
        mail(sender=SUPPORT, subject="Loop", body="x", message_id="<own@desk.test>")
    )
    assert received.verdict == "own"
    assert mail_desk.tickets() == []


def test_unknown_sender_and_forged_key_are_held_for_admins(mail_desk: MailDesk) -> None:
    receiver = mail_desk.receiver()
    receiver.accept(mail(sender=ANN, subject="Mine", body="x", message_id="<mine@acme.example>"))
    stranger = receiver.accept(
        mail(sender="eve@evil.example", subject="Hello", body="Buy now", message_id="<s1@evil.example>")
    )
    forged = receiver.accept(
        mail(
            sender="gina@globex.example",
            subject="Re: [SUP-1] Mine",
            body="I am in",
            message_id="<f@globex.example>",
        )
    )
    assert (stranger.verdict, stranger.reason) == ("held", "unknown_sender")
    assert (forged.verdict, forged.reason) == ("held", "forged_key")
    assert [c.body for c in mail_desk.comments("SUP-1")] == []
    assert mail_desk.count(HeldMail) == 2


def test_a_sender_over_the_hourly_limit_is_held(mail_desk: MailDesk) -> None:
    receiver = mail_desk.receiver()
    limit = mail_desk.runtime.settings.mail_flood_limit
    verdicts = [
        receiver.accept(
            mail(sender=ANN, subject=f"n{i}", body="x", message_id=f"<n{i}@acme.example>")
        ).verdict
        for i in range(limit + 2)
    ]
    assert verdicts[:limit] == ["ticket"] * limit
    assert verdicts[limit:] == ["held", "held"]


def test_the_listener_refuses_an_oversized_mail_with_552(mail_desk: MailDesk) -> None:
    big = mail(sender=ANN, subject="Big", body="x" * (3 * 1024 * 1024), message_id="<big@acme.example>")
    with (
        smtplib.SMTP("127.0.0.1", mail_desk.listen_port, timeout=30) as client,
        pytest.raises(smtplib.SMTPResponseException) as refused,
    ):
        client.sendmail(ANN, [SUPPORT], big)
    assert refused.value.smtp_code == 552
    mail_desk.send(
        mail(sender=ANN, subject="Small", body="ok", message_id="<small@acme.example>"), sender=ANN
    )
    assert [t.title for t in wait_until(mail_desk.tickets)] == ["Small"]


def test_a_database_that_is_down_is_a_4xx_so_the_sender_retries(db_url: str) -> None:
    from tests.fakes.live import free_port

    dead = make_settings("postgresql+psycopg://nobody@127.0.0.1:1/none")
    receiver = MailReceiver(db=Database(build_engine(dead.database_url)), settings=dead)
    from assistdesk.platforms.mail.listener import SmtpListener

    port = free_port()
    listener = SmtpListener(listen=f"127.0.0.1:{port}", accept=receiver.accept, max_bytes=1024 * 1024)
    listener.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port, timeout=30) as client,
            pytest.raises(smtplib.SMTPDataError) as refused,
        ):
            client.sendmail(
                ANN, [SUPPORT], mail(sender=ANN, subject="x", body="y", message_id="<d@acme.example>")
            )
        assert refused.value.smtp_code == 451
    finally:
        listener.stop()
