"""Bad mail: each is taken or set aside without crashing the reader, and the next mail still arrives."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from assistdesk.bridge.mail.models import HeldMail
from assistdesk.domain.tickets.models import Attachment
from tests.mail.conftest import SUPPORT, MailDesk, wait_until
from tests.mail.shapes import mail

ANN = "ann@acme.example"


def _many_attachments(count: int) -> bytes:
    message = EmailMessage()
    message["From"] = ANN
    message["To"] = SUPPORT
    message["Subject"] = "Logs"
    message["Message-ID"] = "<many@acme.example>"
    message.set_content("All the logs.")
    for i in range(count):
        message.add_attachment(
            f"line {i}".encode(), maintype="text", subtype="plain", filename=f"log-{i}.txt"
        )
    return bytes(message)


BAD = {
    "malformed mime": (
        b"From: ann@acme.example\r\nTo: support@desk.test\r\nSubject: Broken\r\nMessage-ID: <bad1@acme.example>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--wrong\r\nno end'
    ),
    "unknown charset": (
        b"From: ann@acme.example\r\nTo: support@desk.test\r\nSubject: =?x-made-up?Q?Caf=E9?=\r\n"
        b"Message-ID: <bad2@acme.example>\r\nContent-Type: text/plain; charset=x-made-up\r\n\r\nCaf\xe9 au lait\r\n"
    ),
    "missing charset with 8-bit text": (
        b"From: ann@acme.example\r\nTo: support@desk.test\r\nSubject: Accents\r\nMessage-ID: <bad3@acme.example>\r\n"
        b"Content-Type: text/plain\r\n\r\nCaf\xc3\xa9 and na\xefve\r\n"
    ),
    "header injection": (
        b"From: =?utf-8?q?Ann=0D=0ABcc=3A_victim=40example=2Etest?= <ann@acme.example>\r\n"
        b"To: support@desk.test\r\nSubject: =?utf-8?q?Hi=0D=0ABcc=3A_victim=40example=2Etest?=\r\n"
        b"Message-ID: <bad4@acme.example>\r\n\r\nhello\r\n"
    ),
    "no message id": b"From: ann@acme.example\r\nTo: support@desk.test\r\nSubject: No id\r\n\r\nplain\r\n",
    "500 attachments": _many_attachments(500),
    "not a mail at all": b"\x00\x01\x02 garbage \xff\xfe",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_mail_does_not_stop_the_reader(mail_desk: MailDesk, case: str) -> None:
    mail_desk.dovecot.deliver(BAD[case])
    mail_desk.dovecot.deliver(
        mail(sender=ANN, subject="Next", body="The next mail.", message_id="<next@acme.example>")
    )
    wait_until(lambda: mail_desk.dovecot.unseen() == 0)
    titles = [t.title for t in mail_desk.tickets()]
    assert "Next" in titles
    for ticket in mail_desk.tickets():
        assert "\n" not in ticket.title and "\r" not in ticket.title
    for sent in [*mail_desk.mailbox.messages(), *mail_desk.mailbox.messages(tickets=True)]:
        assert sent.to == [ANN]  # nothing went to an injected Bcc


def test_500_attachments_keep_fifty_and_say_so(mail_desk: MailDesk) -> None:
    mail_desk.receiver().accept(_many_attachments(500))
    assert mail_desk.count(Attachment) == 50
    assert "450 more attachments were not kept" in mail_desk.tickets()[0].description


def test_a_50_mb_mail_from_imap_is_held_without_its_bytes_and_the_next_is_read(mail_desk: MailDesk) -> None:
    huge = mail(sender=ANN, subject="Huge", body="x" * (50 * 1024 * 1024), message_id="<huge@acme.example>")
    mail_desk.dovecot.deliver(huge)
    mail_desk.dovecot.deliver(mail(sender=ANN, subject="After", body="ok", message_id="<after@acme.example>"))
    wait_until(lambda: mail_desk.dovecot.unseen() == 0, timeout=120)
    assert [t.title for t in mail_desk.tickets()] == ["After"]
    with mail_desk.runtime.db.reading() as session:
        held = session.query(HeldMail).one()
        assert (held.reason, held.subject, held.raw) == ("too_large", "Huge", b"")
