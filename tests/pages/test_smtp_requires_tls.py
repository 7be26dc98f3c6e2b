"""ASSISTDESK_SMTP_REQUIRE_TLS: with it, a mail server that does not offer STARTTLS receives nothing
(the delivery waits with a clear error); without it, STARTTLS stays opportunistic."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.outbox.models import OutboxJob
from assistdesk.platforms.mail.smtp import NO_STARTTLS
from assistdesk.runtime import build_runtime
from tests.conftest import make_settings
from tests.fakes.live import LiveServer, free_port
from tests.fakes.mailbox import Mailbox
from tests.pages.conftest import post_form


def _ask_for_a_link(db_url: str, mailbox: Mailbox, **settings: object) -> tuple[str | None, int]:
    port = free_port()
    runtime = build_runtime(
        make_settings(db_url, smtp_url=mailbox.url, public_url=f"http://127.0.0.1:{port}", **settings),
        run_migrations=False,
    )

    def seed(uow):  # type: ignore[no-untyped-def]
        org = orgs.find_org(uow.session, "Acme") or orgs.create_org(uow, name="Acme", plan="basic")
        if people.find_contact(uow.session, "ann@acme.example") is None:
            people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")

    runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime, run_worker=True), port=port)
    try:
        client = httpx.Client(base_url=server.url, timeout=10)
        assert (
            post_form(client, "/help/login", "/help/login", {"email": "ann@acme.example"}).status_code == 200
        )
        deadline = time.monotonic() + 10
        while True:
            with runtime.db.reading() as session:
                job = session.scalars(select(OutboxJob).order_by(OutboxJob.id.desc())).first()
            if job is not None and (job.attempts > 0 or job.status != "pending"):
                return job.last_error, len(mailbox.messages("ann@acme.example"))
            assert time.monotonic() < deadline, "the mail job was not tried"
            time.sleep(0.05)
    finally:
        server.close()
        runtime.db.dispose()


def test_required_tls_sends_nothing_to_a_server_without_starttls(db_url: str) -> None:
    mailbox = Mailbox()
    try:
        error, received = _ask_for_a_link(db_url, mailbox, smtp_require_tls=True)
        assert (error, received) == (NO_STARTTLS, 0)
        error, received = _ask_for_a_link(db_url, mailbox)
        assert error is None
        mailbox.wait_for("ann@acme.example")
    finally:
        mailbox.close()
