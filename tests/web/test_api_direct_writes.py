"""Opening a ticket and commenting are answered by the front's own lane (web/api/direct.py), not
FastAPI's routing: every answer an integrator can get from them must stay what FastAPI gives —
the 201 with its Location, the 401 with WWW-Authenticate, 404, 409, 413, 422 and their problem+json,
and one metrics label per route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from assistdesk.web.api.direct import DirectApi
from tests.web.conftest import Api

TICKET = {"org": "Acme", "reporter_email": "ann@acme.example", "title": "Login fails"}
VOLATILE = ("date", "location")  # the key and ids differ from one run to the next


def chunks(size: int) -> Iterator[bytes]:
    yield b'{"org": "Acme", "title": "'
    yield b"x" * size
    yield b'"}'


def requests(api: Api) -> list[tuple[str, httpx.Client, str, dict[str, Any]]]:
    """(what, client, path, httpx arguments) of a create or a comment, good and bad."""
    agent, anonymous = api.agent, api.anonymous
    json_type = {"Content-Type": "application/json"}
    return [
        ("create", agent, "/tickets", {"json": TICKET}),
        ("comment", agent, "/tickets/SUP-1/comments", {"json": {"body": "hello"}}),
        ("internal note", agent, "/tickets/sup-1/comments", {"json": {"body": "psst", "public": False}}),
        ("no token", anonymous, "/tickets", {"json": TICKET}),
        (
            "unknown token",
            anonymous,
            "/tickets",
            {"json": TICKET, "headers": {"Authorization": "Bearer adk_x"}},
        ),
        ("basic", anonymous, "/tickets", {"json": TICKET, "headers": {"Authorization": "Basic eDp5"}}),
        ("not JSON", agent, "/tickets", {"content": b'{"org": ', "headers": json_type}),
        ("empty", agent, "/tickets/SUP-1/comments", {"content": b"", "headers": json_type}),
        ("text", agent, "/tickets", {"content": b"hello", "headers": {"Content-Type": "text/plain"}}),
        ("a list", agent, "/tickets", {"json": [TICKET]}),
        ("missing title", agent, "/tickets", {"json": {**TICKET, "title": None}}),
        ("blank title", agent, "/tickets", {"json": {**TICKET, "title": "  "}}),
        ("extra field", agent, "/tickets", {"json": {**TICKET, "colour": "red"}}),
        ("number as text", agent, "/tickets/SUP-1/comments", {"json": {"body": 5}}),
        ("unknown org", agent, "/tickets", {"json": {**TICKET, "org": "Nope"}}),
        ("stranger", agent, "/tickets", {"json": {**TICKET, "reporter_email": "x@elsewhere.example"}}),
        ("unknown severity", agent, "/tickets", {"json": {**TICKET, "severity": "S9"}}),
        ("no such ticket", agent, "/tickets/NOPE-9/comments", {"json": {"body": "hello"}}),
        ("closed ticket", agent, "/tickets/SUP-2/comments", {"json": {"body": "hello"}}),
        ("blank comment", agent, "/tickets/SUP-1/comments", {"json": {"body": " \n "}}),
        ("too large, chunked", agent, "/tickets", {"content": chunks(2_000_000), "headers": json_type}),
        ("too large", agent, "/tickets", {"content": b"x" * 2_000_000, "headers": json_type}),
        ("trailing slash", agent, "/tickets/", {"json": TICKET}),
    ]


def answers(api: Api) -> dict[str, tuple[int, dict[str, str], Any]]:
    found = {}
    for what, client, path, arguments in requests(api):
        answer = client.post(path, **arguments)
        headers = {k: v for k, v in answer.headers.items() if k not in VOLATILE}
        body = answer.json() if answer.content else None
        if answer.status_code == 201:
            body = sorted(body)  # its fields; the values name another ticket in each run
            headers.pop("content-length")
        found[what] = (answer.status_code, headers, body)
    return found


def test_the_lane_answers_as_fastapi_does(api: Api) -> None:
    lanes = api.front.direct
    assert any(isinstance(lane, DirectApi) for lane in lanes)
    assert api.agent.post("/tickets", json=TICKET).status_code == 201  # SUP-1
    assert api.agent.post("/tickets", json=TICKET).status_code == 201  # SUP-2, closed
    for status in ("resolved", "closed"):
        assert api.agent.patch("/tickets/SUP-2", json={"status": status}).status_code == 200
    direct = answers(api)
    api.front.direct = [lane for lane in lanes if not isinstance(lane, DirectApi)]
    try:
        usual = answers(api)
    finally:
        api.front.direct = lanes
    assert direct == usual
    assert direct["create"][0] == 201 and direct["comment"][0] == 201
    assert direct["no token"][1]["www-authenticate"] == "Bearer"
    assert direct["closed ticket"][0] == 409 and direct["no such ticket"][0] == 404
    assert direct["too large"][0] == direct["too large, chunked"][0] == 413
    assert direct["blank comment"][0] == direct["missing title"][0] == 422


def test_a_created_ticket_has_its_location_and_each_write_its_metrics_label(api: Api) -> None:
    created = api.agent.post("/tickets", json=TICKET)
    assert created.headers["location"] == "/api/v1/tickets/SUP-1"
    assert created.json()["key"] == "SUP-1"
    comment = api.agent.post("/tickets/SUP-1/comments", json={"body": "hello"})
    assert comment.status_code == 201 and comment.json()["body"] == "hello"
    assert api.agent.get("/tickets/SUP-1").json()["comments"][0]["body"] == "hello"
    api.agent.post("/tickets/NOPE-1/comments", json={"body": "hello"})
    metrics = httpx.get(f"{api.url}/metrics").text
    assert 'method="POST",route="/api/v1/tickets",status="201"' in metrics
    assert 'method="POST",route="/api/v1/tickets/{key}/comments",status="201"' in metrics
    assert 'method="POST",route="/api/v1/tickets/{key}/comments",status="404"' in metrics
