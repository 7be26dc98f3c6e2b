"""Login mail goes through the outbox: written with the code in one transaction, sealed at rest, and
delivered once the mail server answers, even if it was down when the customer asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.outbox.models import OutboxJob
from assistdesk.runtime import Runtime, build_runtime
from tests.conftest import make_settings
from tests.fakes.live import LiveServer, free_port
from tests.fakes.mailbox import Mailbox
from tests.pages.conftest import follow_link, post_form


@pytest.fixture
def offline_smtp(db_url: str) -> Iterator[tuple[Runtime, LiveServer, int]]:
    smtp_port, web_port = free_port(), free_port()
    settings = make_settings(
        db_url, public_url=f"http://127.0.0.1:{web_port}", smtp_url=f"smtp://127.0.0.1:{smtp_port}"
    )
    runtime = build_runtime(settings, run_migrations=False)

    def seed(uow):  # type: ignore[no-untyped-def]
        org = orgs.create_org(uow, name="Acme", plan="basic")
        people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")

    runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime, run_worker=True), port=web_port)
    yield runtime, server, smtp_port
    server.close()
    runtime.db.dispose()


def test_a_login_mail_waits_for_the_mail_server_and_keeps_no_code_in_clear(
    offline_smtp: tuple[Runtime, LiveServer, int],
) -> None:
    import httpx

    runtime, server, smtp_port = offline_smtp
    browser = httpx.Client(base_url=server.url, timeout=10)
    assert post_form(browser, "/help/login", "/help/login", {"email": "ann@acme.example"}).status_code == 200

    def job() -> OutboxJob:
        with runtime.db.reading() as session:
            return session.scalars(select(OutboxJob).where(OutboxJob.kind == "mail.login")).one()

    import time

    deadline = time.monotonic() + 10
    while job().attempts == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    first = job()
    assert (
        first.status == "pending"
        and first.attempts >= 1
        and "cannot reach the mail server" in (first.last_error or "")
    )
    assert "ann@acme.example" in first.payload["to"]
    mailbox = Mailbox(port=smtp_port)
    try:
        mail = mailbox.wait_for("ann@acme.example", timeout=15)  # the retry after backoff (1–2 s)
        assert "/help/login/link?token=" in mail.body
        token = mail.link.split("token=")[1]
        assert mail.code not in str(first.payload) and token not in str(first.payload)  # sealed at rest
        signed = follow_link(browser, mail.link.replace(runtime.settings.public_url, ""))
        assert signed.status_code == 303
    finally:
        mailbox.close()
