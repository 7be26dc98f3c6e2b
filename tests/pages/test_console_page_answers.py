"""The queue and ticket pages are served by the front's own lane (web/pages/direct.py), not FastAPI's
routing: every answer a browser can get from them must stay what the rest of the console gives —
the sign-in redirect, the HTML 404, FastAPI's 422 for a malformed number, 405 for another method,
the security headers, and one metrics label per route."""

from __future__ import annotations

from tests.pages.conftest import Desk

QUEUE = "/agent/queue/all"


def guarded(headers: object) -> bool:
    return all(
        name in headers  # type: ignore[operator]
        for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "cache-control")
    )


def test_signed_out_the_pages_send_to_sign_in_and_back(desk: Desk) -> None:
    client = desk.client()
    for path in (f"{QUEUE}?before=5", "/agent/tickets/SUP-1"):
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/agent/login?next=%2Fagent%2F"), path
        assert guarded(answer.headers), path
    assert client.get(QUEUE).headers["location"] == "/agent/login?next=%2Fagent%2Fqueue%2Fall"


def test_odd_requests_get_the_consoles_usual_answers(desk: Desk) -> None:
    agent = desk.agent("ada@vendor.example")
    page = agent.get(QUEUE)
    assert page.status_code == 200 and guarded(page.headers)
    assert page.headers["cache-control"] == "no-store"
    for path in ("/agent/queue/nope", "/agent/tickets/NOPE-404"):
        answer = agent.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html") and guarded(answer.headers), path
    # Beyond 64 bits: no row has it (PostgreSQL and SQLite refuse the number, MariaDB compares it).
    assert agent.get(f"{QUEUE}?before={2**63}").status_code in (200, 404)
    for path, name in ((f"{QUEUE}?before=abc", "before"), ("/agent/queue/new?page_number=", "page_number")):
        answer = agent.get(path)
        assert answer.status_code == 422, path
        assert answer.json()["detail"][0]["loc"] == ["query", name]
    # A repeated parameter (the last one counts) and undeclared ones (ignored), as FastAPI reads them.
    assert agent.get(f"{QUEUE}?before=1&before=999999&utm=x").text.count('class="key"') > 0
    assert agent.head(QUEUE).status_code == 405
    assert agent.get("/agent/queue/all/").status_code == 307
    ticket = agent.get("/agent/tickets/sup-1")
    assert ticket.status_code == 200 and guarded(ticket.headers)


def test_each_page_is_counted_under_its_route(desk: Desk) -> None:
    agent = desk.agent("ada@vendor.example")
    agent.get(QUEUE)
    agent.get("/agent/tickets/SUP-1")
    agent.get("/agent/queue/nope")
    metrics = desk.client().get("/metrics").text
    assert 'method="GET",route="/agent/queue/{queue}",status="200"' in metrics
    assert 'method="GET",route="/agent/queue/{queue}",status="404"' in metrics
    assert 'method="GET",route="/agent/tickets/{key}",status="200"' in metrics
