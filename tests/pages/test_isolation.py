"""Tenant isolation: a customer never reads or changes another organization's request, nor (unless an
org admin) a colleague's; every route answers 404 as for a key that does not exist, and changes nothing."""

from __future__ import annotations

from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource
from assistdesk.domain.tickets.service import Author
from tests.pages.conftest import Desk, csrf_of


def _attachment_on(desk: Desk, key: str) -> int:
    def work(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, key)
        comment = tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_contact(ticket.reporter),
            body="log attached",
            public=True,
            source=CommentSource.PORTAL,
        )
        return tickets.add_attachment(
            uow, comment=comment, filename="secret.log", content_type="text/plain", content=b"TOP SECRET"
        ).id

    return int(desk.runtime.db.run(work))


def _state(desk: Desk, key: str) -> tuple[str, int]:
    with desk.runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, key)
        return ticket.status, len(tickets.comments_of(session, ticket, public_only=False))


def test_no_route_shows_or_changes_another_organizations_request(desk: Desk) -> None:
    attachment = _attachment_on(desk, "SUP-3")  # Globex's
    before = _state(desk, "SUP-3")
    ann = desk.customer("ann@acme.example")  # an admin of Acme: still nothing of Globex
    token = csrf_of(ann.get("/help/requests").text)
    answers = {
        "page": ann.get("/help/requests/SUP-3"),
        "reply": ann.post("/help/requests/SUP-3/reply", data={"body": "hi", "csrf_token": token}),
        "status": ann.post("/help/requests/SUP-3/status", data={"action": "resolve", "csrf_token": token}),
        "attachment": ann.get(f"/help/attachments/{attachment}"),
    }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 404)
    assert all(
        "Globex invoice address" not in a.text and "TOP SECRET" not in a.text for a in answers.values()
    )
    assert _state(desk, "SUP-3") == before
    listing = ann.get("/help/requests", params={"scope": "org", "status": "all", "q": "Globex"}).text
    assert "SUP-3" not in listing
    # the owner sees it all
    gina = desk.customer("gina@globex.example")
    assert gina.get(f"/help/attachments/{attachment}").content == b"TOP SECRET"


def test_a_contact_sees_only_their_own_requests_and_an_org_admin_sees_the_organizations(desk: Desk) -> None:
    bob = desk.customer("bob@acme.example")
    mine = bob.get("/help/requests").text
    assert "SUP-2" in mine and "SUP-1" not in mine
    assert bob.get("/help/requests/SUP-1").status_code == 404
    assert bob.get("/help/requests", params={"scope": "org"}).text.count("Checkout times out") == 0
    assert bob.get("/help/chat").status_code == 404  # chat features are for org admins
    ann = desk.customer("ann@acme.example")
    org_list = ann.get("/help/requests", params={"scope": "org"}).text
    assert "SUP-1" in org_list and "SUP-2" in org_list
    assert "Export drops accents" in ann.get("/help/requests/SUP-2").text


def test_customers_never_see_internal_notes_and_everything_is_escaped(desk: Desk) -> None:
    def work(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        eve = __import__("assistdesk.domain.people.service", fromlist=["x"]).get_agent(
            uow.session, "eve@vendor.example"
        )
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_agent(eve),
            body="<script>alert(1)</script> public",
            public=True,
            source=CommentSource.CONSOLE,
        )
        tickets.add_comment(
            uow,
            ticket=ticket,
            author=Author.of_agent(eve),
            body="customer is on old build",
            public=False,
            source=CommentSource.CONSOLE,
        )

    desk.runtime.db.run(work)
    page = desk.customer("ann@acme.example").get("/help/requests/SUP-1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; public" in page and "<script>alert" not in page
    assert "customer is on old build" not in page
    console = desk.agent("eve@vendor.example").get("/agent/tickets/SUP-1").text
    assert "customer is on old build" in console and "Internal note" in console
