"""A desk with mail switched on: the real app and worker on loopback, the SMTP listener, a real
Dovecot mailbox read over IMAP, and a local SMTP server that keeps what the desk sends."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from assistdesk.app import create_app
from assistdesk.bridge.mail.receiving import MailReceiver
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets.models import Comment, Ticket
from assistdesk.runtime import Runtime, build_runtime
from tests.conftest import make_settings
from tests.fakes.dovecot import Dovecot
from tests.fakes.live import LiveServer, free_port
from tests.fakes.mailbox import Mailbox

SUPPORT = "support@desk.test"
AGENT_PASSWORD = "correct horse battery staple"
T = TypeVar("T")


@dataclass
class MailDesk:
    runtime: Runtime
    mailbox: Mailbox
    dovecot: Dovecot
    listen_port: int
    url: str = ""

    def send(self, raw: bytes, sender: str = "someone@example.test") -> None:
        """Through the desk's SMTP listener, as a relay would."""
        with smtplib.SMTP("127.0.0.1", self.listen_port, timeout=10) as client:
            client.sendmail(sender, [SUPPORT], raw)

    def receiver(self) -> MailReceiver:
        return MailReceiver(db=self.runtime.db, settings=self.runtime.settings)

    def tickets(self) -> list[Ticket]:
        with self.runtime.db.reading() as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)).all())

    def comments(self, key: str) -> list[Comment]:
        with self.runtime.db.reading() as session:
            return list(
                session.scalars(
                    select(Comment).join(Ticket).where(Ticket.key == key).order_by(Comment.id)
                ).all()
            )

    def count(self, model: type[object]) -> int:
        with self.runtime.db.reading() as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


def wait_until(check: Callable[[], T], timeout: float = 15.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {check}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    yield server
    server.close()


@pytest.fixture
def mail_desk(db_url: str, dovecot: Dovecot) -> Iterator[MailDesk]:
    client = dovecot.client()
    try:  # an empty mailbox for every test
        client.delete_messages(client.search(["ALL"]))
        client.expunge()
    finally:
        client.logout()
    mailbox = Mailbox()
    listen_port = free_port()
    web_port = free_port()
    settings = make_settings(
        db_url,
        public_url=f"http://127.0.0.1:{web_port}",
        smtp_url=mailbox.url,
        support_address=SUPPORT,
        smtp_listen=f"127.0.0.1:{listen_port}",
        imap_url=dovecot.url,
        mail_idle_seconds=0.3,
        mail_max_bytes=2 * 1024 * 1024,
    )
    runtime = build_runtime(settings, run_migrations=False)

    def seed(uow):  # type: ignore[no-untyped-def]
        acme = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        people.add_contact(uow, email="ann@acme.example", org=acme, name="Ann")
        globex = orgs.create_org(uow, name="Globex", plan="enterprise", domains=["globex.example"])
        people.add_contact(uow, email="gina@globex.example", org=globex, name="Gina")
        people.add_agent(
            uow, email="ada@vendor.example", name="Ada Admin", admin=True, password=AGENT_PASSWORD
        )

    runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime, run_worker=True), port=web_port)
    try:
        wait_until(lambda: _listening(listen_port))
        yield MailDesk(runtime, mailbox, dovecot, listen_port, server.url)
    finally:
        server.close()
        mailbox.close()
        runtime.db.dispose()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
