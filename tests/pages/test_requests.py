"""A customer's own requests: opening one, replying with files, resolving and reopening, asking for a
chat feature, signing out."""

from __future__ import annotations

from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.tickets import service as tickets
from tests.pages.conftest import Desk, csrf_of, post_form


def test_a_new_request_from_the_help_center(desk: Desk) -> None:
    bob = desk.customer("bob@acme.example")
    bad = post_form(
        bob, "/help/requests/new", "/help/requests/new", {"title": " ", "description": "x", "severity": "S2"}
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    created = post_form(
        bob,
        "/help/requests/new",
        "/help/requests/new",
        {"title": "Webhooks arrive twice", "description": "Since 9:00 UTC", "severity": "S2"},
    )
    assert created.status_code == 303 and created.headers["location"] == "/help/requests/SUP-4"
    page = bob.get("/help/requests/SUP-4").text
    assert "Webhooks arrive twice" in page and "Since 9:00 UTC" in page and "S2 (high)" in page
    with desk.runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-4")
        assert (ticket.source, ticket.reporter.email, ticket.organization.name) == (
            "portal",
            "bob@acme.example",
            "Acme",
        )


def test_replies_carry_files_and_resolve_and_reopen_work(desk: Desk) -> None:
    ann = desk.customer("ann@acme.example")
    answer = post_form(
        ann,
        "/help/requests/SUP-1",
        "/help/requests/SUP-1/reply",
        {"body": "Here is the log."},
        files=[
            ("files", ("app.log", b"ERROR 504 gateway", "text/plain")),
            ("files", ("<b>.html", b"<script>", "text/html")),
        ],
    )
    assert answer.status_code == 303
    page = ann.get("/help/requests/SUP-1").text
    assert "Here is the log." in page and "app.log" in page and "&lt;b&gt;.html" in page
    links = [part.split('"')[0] for part in page.split('href="/help/attachments/')[1:]]
    download = ann.get(f"/help/attachments/{links[1]}")
    assert download.content == b"<script>"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]
    assert ann.get(f"/help/attachments/{links[0]}").content == b"ERROR 504 gateway"

    post_form(ann, "/help/requests/SUP-1", "/help/requests/SUP-1/status", {"action": "resolve"})
    assert "Reopen" in ann.get("/help/requests/SUP-1").text
    post_form(ann, "/help/requests/SUP-1", "/help/requests/SUP-1/status", {"action": "reopen"})
    with desk.runtime.db.reading() as session:
        assert tickets.get_ticket(session, "SUP-1").status == "open"


def test_my_requests_filters_searches_and_pages(desk: Desk) -> None:
    def more(uow):  # type: ignore[no-untyped-def]
        ann = __import__("assistdesk.domain.people.service", fromlist=["x"]).get_contact(
            uow.session, "ann@acme.example"
        )
        for n in range(30):
            tickets.create_ticket(
                uow,
                org=ann.organization,
                reporter=ann,
                title=f"Batch job {n} stalls",
                source=__import__("assistdesk.domain.tickets.enums", fromlist=["x"]).TicketSource.API,
                prefix="SUP",
            )

    desk.runtime.db.run(more)
    ann = desk.customer("ann@acme.example")
    first = ann.get("/help/requests").text
    assert first.count("<tr>") - 1 == 25 and "Batch job 29 stalls" in first and 'rel="next"' in first
    following = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = ann.get(following).text
    assert "Batch job 4 stalls" in second and "Checkout times out" in second and "Batch job 29" not in second
    found = ann.get("/help/requests", params={"q": "job 7 stalls"}).text
    assert "Batch job 7 stalls" in found and "Batch job 8" not in found
    resolved = ann.get("/help/requests", params={"status": "resolved"}).text
    assert "<tbody>" not in resolved and "No requests here yet." in resolved


def test_an_org_admin_requests_a_chat_feature_and_follows_it(desk: Desk) -> None:
    gina = desk.customer("gina@globex.example")  # Globex is on enterprise: Slack and Lark create and follow
    page = gina.get("/help/chat").text
    slack = page.split('id="feature-slack"')[1].split("</section>")[0]
    assert "Create and follow" in slack and "the thread gets an update whenever support replies" in slack
    assert "Upgrading to Premium adds two-way replies in the thread, the 🎫 reaction and /assist." in slack
    assert page.count('name="feature"') == 2 and 'value="lark"' in page and 'value="slack"' in page
    unknown = post_form(gina, "/help/chat", "/help/chat", {"feature": "teams"})
    assert unknown.status_code == 422 and "unknown feature" in unknown.text
    post_form(gina, "/help/chat", "/help/chat", {"feature": "lark", "note": "group: Globex support"})
    assert "Requested — waiting for our team" in gina.get("/help/chat").text

    def approve(uow):  # type: ignore[no-untyped-def]
        (pending,) = orgs.pending_requests(uow.session)
        orgs.decide_request(uow, request_id=pending.id, approve=True, by_email="ada@vendor.example")

    desk.runtime.db.run(approve)
    after = gina.get("/help/chat").text
    lark = after.split('id="feature-lark"')[1].split("</section>")[0]
    assert "Enabled" in lark and "Last request: approved" in lark and "Request enablement" not in lark


def test_signing_out_ends_the_session_everywhere(desk: Desk) -> None:
    ann = desk.customer("ann@acme.example")
    stolen = dict(ann.cookies)
    token = csrf_of(ann.get("/help/requests").text)
    assert ann.post("/help/logout", data={"csrf_token": token}).status_code == 303
    replay = desk.client()
    for name, value in stolen.items():
        replay.cookies.set(name, value, path="/help" if name == "adk_help" else "/")
    assert replay.get("/help/requests").status_code == 303
