from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from assistdesk.app import create_app
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.runtime import Runtime
from assistdesk.web.middleware import Front
from tests.fakes.live import LiveServer
from tests.fakes.sink import Sink


@dataclass
class Api:
    url: str
    admin: httpx.Client
    agent: httpx.Client
    anonymous: httpx.Client
    runtime: Runtime
    front: Front


@pytest.fixture
def api(runtime: Runtime) -> Iterator[Api]:
    """The real app with its in-process worker, over HTTP, with an admin and an agent token."""

    def seed(uow):  # type: ignore[no-untyped-def]
        admin = people.add_agent(uow, email="ada@vendor.example", name="Ada Admin", admin=True)
        agent = people.add_agent(uow, email="eve@vendor.example", name="Eve Engineer")
        admin_token, _ = people.create_token(uow, agent=admin)
        agent_token, _ = people.create_token(uow, agent=agent)
        org = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        people.add_contact(uow, email="ann@acme.example", org=org, name="Ann")
        return admin_token, agent_token

    admin_token, agent_token = runtime.db.run(seed)
    front = create_app(runtime=runtime, run_worker=True)
    server = LiveServer(front)
    base = f"{server.url}/api/v1"
    clients = [
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_token}"}, timeout=10),
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {agent_token}"}, timeout=10),
        httpx.Client(base_url=base, timeout=10),
    ]
    try:
        yield Api(server.url, clients[0], clients[1], clients[2], runtime, front)
    finally:
        for client in clients:
            client.close()
        server.close()


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()
