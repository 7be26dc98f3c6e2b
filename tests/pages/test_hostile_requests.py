"""Requests that used to cost a 500 or unbounded memory: numbers beyond 64 bits in ids, cursors and
`before=`, a NUL in a search, a chunked upload over the limit, and a flood of unmatched paths that
grew /metrics by one label each."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from assistdesk.domain.people import service as people
from assistdesk.web.api.paging import encode_cursor
from tests.pages.conftest import Desk

HUGE = str(2**63)
HUGER = "9" * 40


@pytest.fixture
def token(desk: Desk) -> str:
    def seed(uow):  # type: ignore[no-untyped-def]
        token, _ = people.create_token(uow, agent=people.get_agent(uow.session, "ada@vendor.example"))
        return token

    return str(desk.runtime.db.run(seed))


def test_numbers_beyond_64_bits_are_client_errors(desk: Desk, token: str) -> None:
    agent = desk.agent("ada@vendor.example")
    customer = desk.customer("ann@acme.example")
    pages = [
        (agent, f"/agent/queue/all?before={HUGE}"),
        (agent, f"/agent/search?q=checkout&before={HUGER}"),
        (agent, f"/agent/attachments/{HUGE}"),
        (agent, f"/agent/admin/orgs/{HUGER}"),
        (agent, f"/agent/admin/deliveries?before={HUGE}"),
        (customer, f"/help/requests?before={HUGE}"),
        (customer, f"/help/attachments/{HUGER}"),
    ]
    for client, path in pages:
        answer = client.get(path)
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, (path, answer.status_code)
    api = httpx.Client(
        base_url=f"{desk.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    with api:
        for method, path in [
            ("GET", f"/tickets?cursor={encode_cursor(2**63)}"),
            ("GET", f"/tickets?cursor={encode_cursor(10**40)}"),
            ("GET", f"/outbox?cursor={encode_cursor(2**64)}"),
            ("DELETE", f"/webhooks/{HUGE}"),
            ("POST", f"/outbox/{HUGER}/retry"),
        ]:
            answer = api.request(method, path)
            assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"


def test_a_nul_in_a_search_finds_the_words_around_it(desk: Desk) -> None:
    agent = desk.agent("ada@vendor.example")
    answer = agent.get("/agent/search", params={"q": "Checkout\x00times"})
    assert answer.status_code == 200
    assert "Checkout times out" in answer.text
    customer = desk.customer("ann@acme.example")
    answer = customer.get("/help/requests", params={"q": "Checkout\x00"})
    assert answer.status_code == 200
    assert "Checkout times out" in answer.text


def test_a_chunked_upload_over_the_limit_is_refused_with_413(desk: Desk) -> None:
    def chunks() -> Iterator[bytes]:
        yield (
            b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        for _ in range(14):
            yield b"x" * (1024 * 1024)

    for client, path in (
        (desk.customer("ann@acme.example"), "/help/requests/new"),
        (desk.agent("ada@vendor.example"), "/agent/tickets/SUP-1/reply"),
    ):
        answer = client.post(
            path, content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=xyz"}
        )
        assert answer.status_code == 413, (path, answer.status_code)


def test_unmatched_paths_share_one_metrics_label(desk: Desk) -> None:
    client = desk.client()
    before = len(client.get("/metrics").text)
    for n in range(300):
        answer = client.get(f"/help/requests/SUP-{n}/")  # the trailing-slash redirect
        assert answer.status_code in (307, 308, 404), answer.status_code
        client.get(f"/no/such/page/{n}")
    text = client.get("/metrics").text
    assert "SUP-17/" not in text and "/no/such/page/17" not in text
    assert 'route="unmatched"' in text
    assert len(text) - before < 20_000, len(text) - before
