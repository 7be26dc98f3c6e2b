"""Two app instances (as two processes would be) on one database: each caches tokens and webhook
subscriptions, and neither serves a revoked token or a removed webhook a second after the change."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from assistdesk.app import create_app
from assistdesk.db.cache import MAX_AGE_SECONDS
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.models import Ticket
from assistdesk.outbox.models import OutboxJob
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from tests.fakes.live import LiveServer
from tests.fakes.sink import Sink

TICKET = {"org": "Acme", "reporter_email": "ann@acme.example", "title": "Printer on fire"}


@pytest.fixture
def two(settings: Settings) -> Iterator[tuple[Runtime, Runtime, str, str]]:
    """Two runtimes, each serving the app; yields them with their base URLs."""
    runtimes = [build_runtime(settings, run_migrations=False) for _ in range(2)]
    servers = [LiveServer(create_app(runtime=rt)) for rt in runtimes]
    try:
        yield runtimes[0], runtimes[1], servers[0].url, servers[1].url
    finally:
        for server in servers:
            server.close()
        for rt in runtimes:
            rt.db.dispose()


def seed(uow: UnitOfWork) -> tuple[str, int]:
    admin = people.add_agent(uow, email="ada@vendor.example", name="Ada", admin=True)
    token, record = people.create_token(uow, agent=admin)
    org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
    people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
    return token, record.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_revoked_token_is_refused_here_at_once_and_everywhere_within_a_second(
    two: tuple[Runtime, Runtime, str, str],
) -> None:
    first, _, here, there = two
    token, token_id = first.db.run(seed)
    for base in (here, there):  # both processes now hold the token in their caches
        assert httpx.get(f"{base}/api/v1/tickets", headers=bearer(token)).status_code == 200

    first.db.run(lambda uow: people.revoke_token(uow, token_id=token_id))
    revoked_at = time.monotonic()
    assert httpx.get(f"{here}/api/v1/tickets", headers=bearer(token)).status_code == 401

    time.sleep(max(0.0, revoked_at + MAX_AGE_SECONDS - time.monotonic()))
    refused = httpx.get(f"{there}/api/v1/tickets", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json()["detail"] == "the API token is unknown or revoked"


def jobs_for(runtime: Runtime, webhook_id: int) -> int:
    with runtime.db.reading() as session:
        query = select(func.count()).where(OutboxJob.destination == f"webhook:{webhook_id}")
        return int(session.execute(query).scalar_one())


def test_a_removed_webhook_gets_nothing_from_any_process_a_second_later(
    two: tuple[Runtime, Runtime, str, str], sink: Sink
) -> None:
    first, second, here, there = two
    token, _ = first.db.run(seed)
    hook = httpx.post(f"{here}/api/v1/webhooks", json={"url": sink.url("hook")}, headers=bearer(token)).json()
    for base in (here, there):
        assert httpx.post(f"{base}/api/v1/tickets", json=TICKET, headers=bearer(token)).status_code == 201
    assert jobs_for(second, hook["id"]) == 2

    removed = httpx.delete(f"{here}/api/v1/webhooks/{hook['id']}", headers=bearer(token))
    assert removed.status_code == 204
    removed_at = time.monotonic()
    assert httpx.post(f"{here}/api/v1/tickets", json=TICKET, headers=bearer(token)).status_code == 201
    assert jobs_for(first, hook["id"]) == 2  # this process forgot it at once

    time.sleep(max(0.0, removed_at + MAX_AGE_SECONDS - time.monotonic()))
    assert httpx.post(f"{there}/api/v1/tickets", json=TICKET, headers=bearer(token)).status_code == 201
    assert jobs_for(second, hook["id"]) == 2


def plan_of_ticket(runtime: Runtime, key: str) -> str | None:
    with runtime.db.reading() as session:
        return tickets.get_ticket(session, key).sla_plan


def test_a_new_plan_applies_to_tickets_opened_anywhere_a_second_later(
    two: tuple[Runtime, Runtime, str, str],
) -> None:
    first, _, here, there = two
    token, _ = first.db.run(seed)
    opened = [
        httpx.post(f"{base}/api/v1/tickets", json=TICKET, headers=bearer(token)).json()["key"]
        for base in (here, there)
    ]
    assert [plan_of_ticket(first, key) for key in opened] == ["premium", "premium"]

    first.db.run(lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="basic"))
    changed_at = time.monotonic()
    key = httpx.post(f"{here}/api/v1/tickets", json=TICKET, headers=bearer(token)).json()["key"]
    assert plan_of_ticket(first, key) == "basic"

    time.sleep(max(0.0, changed_at + MAX_AGE_SECONDS - time.monotonic()))
    key = httpx.post(f"{there}/api/v1/tickets", json=TICKET, headers=bearer(token)).json()["key"]
    assert plan_of_ticket(first, key) == "basic"


def test_a_write_whose_body_arrives_after_the_token_was_revoked_is_refused(
    two: tuple[Runtime, Runtime, str, str],
) -> None:
    """The token is checked once the body is in, as FastAPI does: a slow upload started with a
    cached token does not outlive the token's revocation."""
    first, _, here, _ = two
    token, token_id = first.db.run(seed)
    assert httpx.get(f"{here}/api/v1/tickets", headers=bearer(token)).status_code == 200  # cached
    body = json.dumps(TICKET).encode()
    host, port = here.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/tickets HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        time.sleep(0.2)  # the server has the headers and the first bytes
        first.db.run(lambda uow: people.revoke_token(uow, token_id=token_id))
        conn.sendall(body[10:])
        answer = conn.makefile("rb").readline()
    assert answer.startswith(b"HTTP/1.1 401 ")
    with first.db.reading() as session:
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 0
