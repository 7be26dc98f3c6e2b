"""A ticket mail the customer's server refuses shows on the admin deliveries page with its reason,
like any other failed delivery, and nothing else is held up."""

from __future__ import annotations

from typing import Any

import httpx
from aiosmtpd.controller import Controller

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import build_runtime
from tests.conftest import make_settings
from tests.fakes.live import LiveServer, free_port
from tests.mail.conftest import AGENT_PASSWORD, wait_until
from tests.pages.conftest import post_form


class _Refusing:
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 No such user here"


def test_a_refused_ticket_mail_is_a_failed_delivery_with_its_reason(db_url: str) -> None:
    smtp_port, web_port = free_port(), free_port()
    refusing = Controller(_Refusing(), hostname="127.0.0.1", port=smtp_port)
    refusing.start()
    settings = make_settings(
        db_url,
        public_url=f"http://127.0.0.1:{web_port}",
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        support_address="support@desk.test",
    )
    runtime = build_runtime(settings, run_migrations=False)

    def seed(uow):  # type: ignore[no-untyped-def]
        acme = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        ann = people.add_contact(uow, email="gone@acme.example", org=acme, name="Gone")
        people.add_agent(uow, email="ada@vendor.example", name="Ada", admin=True, password=AGENT_PASSWORD)
        tickets.create_ticket(
            uow, org=acme, reporter=ann, title="Bounced", source=TicketSource.PORTAL, prefix="SUP"
        )

    runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime, run_worker=True), port=web_port)
    try:
        admin = httpx.Client(base_url=server.url, timeout=10, follow_redirects=False)
        login = {"email": "ada@vendor.example", "password": AGENT_PASSWORD}
        assert post_form(admin, "/agent/login", "/agent/login", login).status_code == 303

        def failed_row() -> str:
            page = admin.get("/agent/admin/deliveries", params={"show": "failed"}).text
            return page if "mail.ticket" in page else ""

        page = wait_until(failed_row)
        assert "the mail server refused the recipient: 550" in page
    finally:
        server.close()
        refusing.stop()
        runtime.db.dispose()
