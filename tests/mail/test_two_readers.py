"""Two workers reading one mailbox at the same time take every mail once."""

from __future__ import annotations

import threading

from assistdesk.platforms.mail.imap import ImapReader
from tests.mail.conftest import MailDesk, wait_until
from tests.mail.shapes import mail


def test_two_readers_of_one_mailbox_take_each_mail_once(mail_desk: MailDesk) -> None:
    count = 40
    for i in range(count):
        mail_desk.dovecot.deliver(
            mail(
                sender=f"user{i % 10}@acme.example",  # new contacts of Acme's domain, 4 mails each
                subject=f"race {i}",
                body=f"mail {i}",
                message_id=f"<race-{i}@acme.example>",
            )
        )
    stop = threading.Event()
    # Besides the desk's own reader: a second worker process would do the same.
    second = ImapReader(url=mail_desk.dovecot.url, accept=mail_desk.receiver().accept_many, idle_seconds=0.2)
    thread = threading.Thread(target=second.run, args=(stop,))
    thread.start()
    try:
        wait_until(lambda: mail_desk.dovecot.unseen() == 0, timeout=120)
    finally:
        stop.set()
        thread.join(30)
    titles = sorted(t.title for t in mail_desk.tickets())
    assert titles == sorted(f"race {i}" for i in range(count))
