"""The real app on a loopback port, with its worker, mailing through a local SMTP server: a desk with
two customer organizations, their contacts, agents and a ticket each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import Runtime, build_runtime
from tests.conftest import make_settings
from tests.fakes.live import LiveServer, free_port
from tests.fakes.mailbox import Mailbox

PASSWORD = "correct horse battery staple"


@dataclass
class Desk:
    url: str
    runtime: Runtime
    mailbox: Mailbox

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, follow_redirects=False)

    def customer(self, email: str) -> httpx.Client:
        """A browser signed in as `email` through the mailed link."""
        client = self.client()
        before = len(self.mailbox.messages(email))
        post_form(client, "/help/login", "/help/login", {"email": email})
        mail = self.mailbox.wait_for(email, count=before + 1)
        answer = follow_link(client, mail.link.replace(self.runtime.settings.public_url, ""))
        assert answer.status_code == 303, answer.text
        return client

    def agent(self, email: str) -> httpx.Client:
        client = self.client()
        answer = post_form(client, "/agent/login", "/agent/login", {"email": email, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        return client


def follow_link(client: httpx.Client, path: str) -> httpx.Response:
    """Open a mailed sign-in link and press its button, as the page's script does in a browser."""
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/help/login/link", data={"token": token.group(1), "csrf_token": csrf_of(page.text)})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def post_form(
    client: httpx.Client, page: str, action: str, data: dict[str, str], files: object = None
) -> httpx.Response:
    """Like a browser: load the page (which sets the CSRF cookie), then submit its form."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, files=files)  # type: ignore[arg-type]


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    mailbox = Mailbox()
    port = free_port()
    settings = make_settings(db_url, public_url=f"http://127.0.0.1:{port}", smtp_url=mailbox.url)
    runtime = build_runtime(settings, run_migrations=False)

    def seed(uow):  # type: ignore[no-untyped-def]
        acme = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        globex = orgs.create_org(uow, name="Globex", plan="enterprise", domains=["globex.example"])
        ann = people.add_contact(uow, email="ann@acme.example", org=acme, name="Ann", admin=True)
        bob = people.add_contact(uow, email="bob@acme.example", org=acme, name="Bob")
        gina = people.add_contact(uow, email="gina@globex.example", org=globex, name="Gina", admin=True)
        people.add_agent(uow, email="ada@vendor.example", name="Ada Admin", admin=True, password=PASSWORD)
        people.add_agent(uow, email="eve@vendor.example", name="Eve Engineer", password=PASSWORD)
        for org, reporter, title in (
            (acme, ann, "Checkout times out"),
            (acme, bob, "Export drops accents"),
            (globex, gina, "Globex invoice address"),
        ):
            tickets.create_ticket(
                uow,
                org=org,
                reporter=reporter,
                title=title,
                description=f"{title}: details",
                source=TicketSource.PORTAL,
                prefix="SUP",
            )

    runtime.db.run(seed)
    server = LiveServer(create_app(runtime=runtime, run_worker=True), port=port)
    try:
        yield Desk(server.url, runtime, mailbox)
    finally:
        server.close()
        mailbox.close()
        runtime.db.dispose()
