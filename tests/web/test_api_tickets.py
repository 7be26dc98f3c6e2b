"""REST API v1: tickets and comments, as an integrator uses them."""

from __future__ import annotations

from assistdesk.domain.tickets import service as tickets
from tests.web.conftest import Api

PROBLEM = "application/problem+json"


def create(api: Api, **fields: object) -> dict:  # type: ignore[type-arg]
    body = {
        "org": "Acme",
        "reporter_email": "ann@acme.example",
        "title": "Login fails",
        "description": "after SSO",
    }
    body.update(fields)
    response = api.agent.post("/tickets", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_tokens_are_required_and_checked(api: Api) -> None:
    missing = api.anonymous.get("/tickets")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == PROBLEM
    assert "Bearer" in missing.json()["detail"]
    wrong = api.anonymous.get("/tickets", headers={"Authorization": "Bearer adk_not-a-real-token"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "the API token is unknown or revoked"


def test_open_a_ticket_and_read_it_back(api: Api) -> None:
    ticket = create(api, severity="S2")
    assert ticket["key"] == "SUP-1"
    assert ticket["status"] == "open" and ticket["severity"] == "S2" and ticket["source"] == "api"
    assert ticket["org"] == "Acme" and ticket["reporter_email"] == "ann@acme.example"
    assert ticket["url"] == "https://help.example.test/help/requests/SUP-1"
    fetched = api.agent.get("/tickets/sup-1")
    assert fetched.status_code == 200
    assert fetched.json()["title"] == "Login fails" and fetched.json()["comments"] == []


def test_a_new_reporter_from_the_org_domain_becomes_a_contact(api: Api) -> None:
    ticket = create(api, reporter_email="New.Person@ACME.example")
    assert ticket["reporter_email"] == "new.person@acme.example"


def test_bad_tickets_are_refused_and_nothing_is_created(api: Api) -> None:
    cases = [
        ({"org": "Nope"}, 404, "no organization named 'Nope'"),
        ({"reporter_email": "stranger@elsewhere.example"}, 422, "not a contact of Acme"),
        ({"reporter_email": "not-an-email"}, 422, "not a valid email"),
        ({"title": "   "}, 422, "title: must not be empty"),
        ({"severity": "S9"}, 422, "unknown severity"),
        ({"colour": "red"}, 422, "colour"),
        ({"title": "x" * 300}, 422, "title"),
    ]
    for fields, status, fragment in cases:
        body = {"org": "Acme", "reporter_email": "ann@acme.example", "title": "t", **fields}
        response = api.agent.post("/tickets", json=body)
        assert response.status_code == status, (fields, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert fragment in response.json()["detail"], response.json()
    huge = api.agent.post(
        "/tickets",
        content=b'{"title": "' + b"x" * 2_000_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["title"] == "Payload too large"
    not_json = api.agent.post("/tickets", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    assert api.agent.get("/tickets").json()["items"] == []


def test_lists_filter_and_page_with_a_cursor(api: Api) -> None:
    for n in range(7):
        create(api, title=f"ticket {n}")
    api.agent.patch("/tickets/SUP-2", json={"status": "in_progress"})
    first = api.agent.get("/tickets", params={"limit": 3}).json()
    assert [t["key"] for t in first["items"]] == ["SUP-7", "SUP-6", "SUP-5"]
    second = api.agent.get("/tickets", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    third = api.agent.get("/tickets", params={"limit": 3, "cursor": second["next_cursor"]}).json()
    assert [t["key"] for t in second["items"] + third["items"]] == ["SUP-4", "SUP-3", "SUP-2", "SUP-1"]
    assert third["next_cursor"] is None
    working = api.agent.get("/tickets", params={"status": "in_progress"}).json()["items"]
    assert [t["key"] for t in working] == ["SUP-2"]
    several = api.agent.get("/tickets", params={"status": "open,in_progress", "org": "acme"}).json()["items"]
    assert len(several) == 7
    assert (
        api.agent.get("/tickets", params={"reporter": "ann@acme.example"}).json()["items"][0]["key"]
        == "SUP-7"
    )
    assert api.agent.get("/tickets", params={"reporter": "nobody@acme.example"}).json()["items"] == []
    assert api.agent.get("/tickets", params={"cursor": "garbage"}).status_code == 422
    assert api.agent.get("/tickets", params={"status": "done"}).status_code == 422
    assert api.agent.get("/tickets", params={"org": "Nope"}).status_code == 404
    assert api.agent.get("/tickets", params={"limit": 500}).status_code == 422


def test_status_severity_and_assignee_follow_the_workflow(api: Api) -> None:
    create(api)
    moved = api.agent.patch(
        "/tickets/SUP-1",
        json={"status": "in_progress", "severity": "S1", "assignee_email": "eve@vendor.example"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["severity"], moved.json()["assignee_email"]) == (
        "in_progress",
        "S1",
        "eve@vendor.example",
    )
    illegal = api.agent.patch("/tickets/SUP-1", json={"status": "closed"})
    assert illegal.status_code == 409
    assert "cannot go from in_progress to closed" in illegal.json()["detail"]
    assert api.agent.patch("/tickets/SUP-1", json={"status": "resolved"}).status_code == 200
    assert api.agent.patch("/tickets/SUP-1", json={"status": "closed"}).status_code == 200
    final = api.agent.patch("/tickets/SUP-1", json={"status": "open"})
    assert final.status_code == 409 and "closed" in final.json()["detail"]
    assert api.agent.patch("/tickets/SUP-1", json={}).status_code == 422
    assert api.agent.patch("/tickets/SUP-404", json={"status": "open"}).status_code == 404
    create(api)
    assert (
        api.agent.patch("/tickets/SUP-2", json={"assignee_email": "ghost@vendor.example"}).status_code == 404
    )
    assert api.agent.patch("/tickets/SUP-2", json={"status": "done"}).status_code == 422
    unassigned = api.agent.patch("/tickets/SUP-2", json={"assignee_email": None})
    assert unassigned.json()["assignee_email"] is None


def test_public_replies_and_internal_notes(api: Api) -> None:
    create(api)
    reply = api.agent.post("/tickets/SUP-1/comments", json={"body": "Could you send the logs?"})
    note = api.agent.post("/tickets/SUP-1/comments", json={"body": "probably the IdP cert", "public": False})
    assert reply.status_code == note.status_code == 201
    assert reply.json()["author"] == {"name": "Eve Engineer", "email": "eve@vendor.example", "kind": "agent"}
    assert (reply.json()["public"], note.json()["public"], note.json()["source"]) == (True, False, "api")
    comments = api.agent.get("/tickets/SUP-1").json()["comments"]
    assert [(c["body"], c["public"]) for c in comments] == [
        ("Could you send the logs?", True),
        ("probably the IdP cert", False),
    ]
    with api.runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, "SUP-1")
        assert [c.body for c in tickets.comments_of(session, ticket, public_only=True)] == [
            "Could you send the logs?"
        ]
    assert api.agent.post("/tickets/SUP-1/comments", json={"body": "  "}).status_code == 422
    assert api.agent.post("/tickets/SUP-9/comments", json={"body": "x"}).status_code == 404


def test_the_answer_to_a_write_is_what_was_stored(api: Api) -> None:
    """The 201 answers are built from the rows just written: they must read back the same."""
    response = api.agent.post(
        "/tickets",
        json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "Export", "severity": "S1"},
    )
    assert response.status_code == 201 and response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/api/v1/tickets/SUP-1"
    created = response.json()
    stored = api.agent.get("/tickets/SUP-1").json()
    assert created == {k: v for k, v in stored.items() if k != "comments"}
    assert created["description"] == "" and created["assignee_email"] is None
    assert created["first_response_at"] is None and created["sla"] == stored["sla"]

    reply = api.agent.post("/tickets/SUP-1/comments", json={"body": "On it."})
    assert reply.status_code == 201 and reply.headers["content-type"] == "application/json"
    after = api.agent.get("/tickets/SUP-1").json()
    assert after["comments"] == [reply.json()]
    # The reply moved the ticket and, as its first public agent reply, stopped the response clock.
    assert after["updated_at"] == reply.json()["created_at"] == after["first_response_at"]
    assert after["updated_at"] > created["updated_at"]
