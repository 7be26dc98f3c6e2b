"""A ticket's page in the console, its side panel: the organization's chat features as they stand
(read with the ticket, in its statement) and the agents one can assign (kept for a second per process,
forgotten at once here when an agent is added or deactivated)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from assistdesk.app import create_app
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import TicketSource
from assistdesk.runtime import Runtime
from assistdesk.settings import Settings
from tests.conftest import make_settings
from tests.fakes.live import LiveServer

EMAIL, PASSWORD = "eve@vendor.example", "eve's long password"


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Plain http on loopback: with an https PUBLIC_URL the cookies are Secure and would not be sent back.
    return make_settings(db_url, public_url="http://127.0.0.1")


def seed(uow: UnitOfWork) -> dict[str, str]:
    """Two organizations with a ticket each; returns the tickets' keys by organization."""
    keys = {}
    people.add_agent(uow, email=EMAIL, name="Eve Engineer", password=PASSWORD)
    for name, plan in (("Acme", "premium"), ("Globex", "enterprise")):
        org = orgs.create_org(uow, name=name, plan=plan, domains=[f"{name.lower()}.example"])
        reporter = people.add_contact(uow, email=f"ann@{name.lower()}.example", org=org, name="Ann")
        ticket = tickets.create_ticket(
            uow, org=org, reporter=reporter, title="Printer on fire", source=TicketSource.PORTAL, prefix="SUP"
        )
        keys[name] = ticket.key
    acme = orgs.get_org(uow.session, "Acme")
    orgs.enable_feature(uow, org=acme, feature="slack")
    orgs.request_feature(uow, org=acme, feature="lark", requested_by_email="ann@acme.example")
    return keys


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, str]:
    return runtime.db.run(seed)


@pytest.fixture
def console(runtime: Runtime, keys: dict[str, str]) -> Iterator[httpx.Client]:
    server = LiveServer(create_app(runtime=runtime))
    client = httpx.Client(base_url=server.url, timeout=10)
    try:
        login = client.get("/agent/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert found, "the sign-in page has no CSRF field"
        form = {"csrf_token": found.group(1), "email": EMAIL, "password": PASSWORD}
        assert client.post("/agent/login", data=form).status_code == 303
        yield client
    finally:
        client.close()
        server.close()


def chat_features(page: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>(Slack|Lark)</dt><dd>([^<]*)</dd>", page))


def assignable(page: str) -> list[str]:
    menu = page.split('name="assignee"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]+)"', menu)


def test_the_panel_shows_each_chat_feature_as_it_stands(
    console: httpx.Client, runtime: Runtime, keys: dict[str, str]
) -> None:
    acme_key, globex_key = keys["Acme"], keys["Globex"]
    assert chat_features(console.get(f"/agent/tickets/{acme_key}").text) == {
        "Slack": "enabled",
        "Lark": "requested",
    }
    assert chat_features(console.get(f"/agent/tickets/{globex_key}").text) == {"Slack": "off", "Lark": "off"}

    runtime.db.run(lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="basic"))
    assert chat_features(console.get(f"/agent/tickets/{acme_key}").text) == {
        "Slack": "suspended",
        "Lark": "requested",
    }


def test_an_agent_added_or_deactivated_changes_the_assignee_menu_at_once(
    console: httpx.Client, runtime: Runtime, keys: dict[str, str]
) -> None:
    key = keys["Acme"]
    assert "ida@vendor.example" not in assignable(console.get(f"/agent/tickets/{key}").text)

    runtime.db.run(lambda uow: people.add_agent(uow, email="ida@vendor.example", name="Ida"))
    assert "ida@vendor.example" in assignable(console.get(f"/agent/tickets/{key}").text)

    def deactivate(uow: UnitOfWork) -> None:
        people.get_agent(uow.session, "ida@vendor.example").active = False

    runtime.db.run(deactivate)
    assert "ida@vendor.example" not in assignable(console.get(f"/agent/tickets/{key}").text)
