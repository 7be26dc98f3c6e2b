"""REST API v1: admin resources, webhooks end to end, metrics and the schema."""

from __future__ import annotations

import time

from assistdesk.outbox.admin import get_job
from assistdesk.platforms.webhook.client import SIGNATURE_HEADER, encode, verify
from tests.fakes.sink import Answer, Sink
from tests.web.conftest import Api


def test_admin_resources_need_an_admin_token(api: Api) -> None:
    refused = api.agent.get("/organizations")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this needs an admin-scoped API token"
    assert api.admin.get("/organizations").status_code == 200


def test_organizations_plans_and_features(api: Api) -> None:
    created = api.admin.post(
        "/organizations", json={"name": "Globex", "plan": "enterprise", "domains": ["globex.example"]}
    )
    assert created.status_code == 201
    assert created.json() == {
        "name": "Globex",
        "plan": "enterprise",
        "domains": ["globex.example"],
        "features": {"slack": "off", "lark": "off"},
        "chat": "create_and_follow",
        "timezone": "UTC",
        "holidays": None,
    }
    assert api.admin.post("/organizations", json={"name": "globex", "plan": "basic"}).status_code == 409
    bad_zone = api.admin.post(
        "/organizations", json={"name": "Y", "plan": "premium", "timezone": "Mars/Base"}
    )
    assert bad_zone.status_code == 422 and bad_zone.json()["detail"].startswith(
        "unknown time zone 'Mars/Base'"
    )
    assert api.admin.post("/organizations", json={"name": "X", "plan": "gold"}).status_code == 422
    assert api.admin.post("/organizations", json={"name": "Initech", "plan": "developer"}).status_code == 201
    refused = api.admin.put("/organizations/Initech/features/slack", json={"enabled": True})
    assert refused.status_code == 409
    assert (
        refused.json()["detail"]
        == "'Initech' is on the developer plan; slack needs the enterprise plan or above"
    )
    slack = api.admin.put("/organizations/Globex/features/slack", json={"enabled": True})
    assert slack.json()["features"]["slack"] == "enabled"
    lark = api.admin.put("/organizations/Globex/features/lark", json={"enabled": True})
    assert lark.json()["features"]["lark"] == "enabled"
    down = api.admin.patch("/organizations/Globex", json={"plan": "basic", "add_domains": ["globex.test"]})
    assert down.json()["features"]["lark"] == "suspended"
    assert down.json()["domains"] == ["globex.example", "globex.test"]
    up = api.admin.patch("/organizations/Globex", json={"plan": "premium", "remove_domains": ["globex.test"]})
    assert up.json()["features"]["lark"] == "enabled" and up.json()["domains"] == ["globex.example"]
    assert api.admin.put("/organizations/Globex/features/teams", json={"enabled": True}).status_code == 422
    assert api.admin.get("/organizations/Nope").status_code == 404


def test_contacts_channels_and_agents(api: Api) -> None:
    added = api.admin.post(
        "/organizations/Acme/contacts", json={"email": "Bob@Acme.example", "name": "Bob", "admin": True}
    )
    assert added.status_code == 201 and added.json()["email"] == "bob@acme.example"
    assert (
        api.admin.post("/organizations/Acme/contacts", json={"email": "bob@acme.example"}).status_code == 409
    )
    assert (
        api.admin.post("/organizations/Acme/contacts", json={"email": "eve@vendor.example"}).status_code
        == 409
    )
    emails = [c["email"] for c in api.admin.get("/organizations/Acme/contacts").json()]
    assert emails == ["ann@acme.example", "bob@acme.example"]
    linked = api.admin.post(
        "/organizations/Acme/channels", json={"platform": "slack", "workspace": "T1", "channel": "C1"}
    )
    assert linked.status_code == 201
    again = api.admin.post(
        "/organizations/Acme/channels", json={"platform": "slack", "workspace": "T1", "channel": "C1"}
    )
    assert again.status_code == 200
    assert (
        api.admin.post(
            "/organizations/Acme/channels", json={"platform": "teams", "channel": "C1"}
        ).status_code
        == 422
    )
    assert len(api.admin.get("/organizations/Acme/channels").json()) == 1
    agent = api.admin.post(
        "/agents", json={"email": "max@vendor.example", "name": "Max", "password": "short"}
    )
    assert agent.status_code == 422 and "at least 8" in agent.json()["detail"]
    assert api.admin.post("/agents", json={"email": "max@vendor.example", "name": "Max"}).status_code == 201
    assert [a["email"] for a in api.admin.get("/agents").json()] == [
        "ada@vendor.example",
        "eve@vendor.example",
        "max@vendor.example",
    ]


def test_webhooks_receive_signed_ticket_events(api: Api, sink: Sink) -> None:
    hook = api.admin.post(
        "/webhooks", json={"url": sink.url("hooks"), "events": ["ticket.created", "comment.added"]}
    )
    assert hook.status_code == 201
    secret = hook.json()["secret"]
    assert secret.startswith("whsec_")
    assert (
        "secret" not in api.admin.get("/webhooks").json()[0]
        or api.admin.get("/webhooks").json()[0]["secret"] is None
    )
    api.agent.post(
        "/tickets", json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "Webhook me"}
    )
    api.agent.post("/tickets/SUP-1/comments", json={"body": "internal", "public": False})
    api.agent.patch("/tickets/SUP-1", json={"status": "in_progress"})  # not subscribed
    received = sink.wait_for(2, name="hooks")
    time.sleep(0.3)
    assert [r.body["type"] for r in sink.received] == ["ticket.created", "comment.added"]
    created = received[0]
    assert created.body["data"]["ticket"]["key"] == "SUP-1"
    assert created.body["data"]["ticket"]["title"] == "Webhook me"
    assert received[1].body["data"]["comment"]["public"] is False
    assert verify(secret, created.headers[SIGNATURE_HEADER], encode(created.body))
    assert api.admin.post("/webhooks", json={"url": "ftp://x"}).status_code == 422
    assert (
        api.admin.post("/webhooks", json={"url": "https://x.example", "events": ["nope"]}).status_code == 422
    )


def test_failed_deliveries_are_listed_and_replayed(api: Api, sink: Sink) -> None:
    sink.script("hooks", Answer(404))
    api.admin.post("/webhooks", json={"url": sink.url("hooks")})
    api.agent.post("/tickets", json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "Lost?"})
    deadline = time.monotonic() + 10
    failed: list[dict] = []  # type: ignore[type-arg]
    while time.monotonic() < deadline and not failed:
        failed = api.admin.get("/outbox", params={"status": "failed"}).json()["items"]
        time.sleep(0.05)
    assert len(failed) == 1 and "HTTP 404" in failed[0]["last_error"]
    replayed = api.admin.post(f"/outbox/{failed[0]['id']}/retry")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    sink.wait_for(1, name="hooks")  # the replay reached the receiver, which now answers 200

    def delivered() -> bool:
        with api.runtime.db.reading() as session:
            return get_job(session, failed[0]["id"]).status == "delivered"

    deadline = time.monotonic() + 10
    while not delivered() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.admin.post(f"/outbox/{failed[0]['id']}/retry").status_code == 409
    assert api.admin.post("/outbox/999999/retry").status_code == 404
    assert api.admin.get("/outbox", params={"status": "lost"}).status_code == 422


def test_health_readiness_metrics_and_schema(api: Api) -> None:
    import httpx

    assert httpx.get(f"{api.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{api.url}/readyz").json() == {"status": "ready"}
    api.agent.post("/tickets", json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "m"})
    api.agent.get("/tickets/SUP-1")
    api.agent.get("/tickets/SUP-404")
    metrics = httpx.get(f"{api.url}/metrics").text
    assert 'assistdesk_http_requests_total{method="POST",route="/api/v1/tickets",status="201"} 1.0' in metrics
    assert (
        'assistdesk_http_requests_total{method="GET",route="/api/v1/tickets/{key}",status="404"} 1.0'
        in metrics
    )
    assert "assistdesk_outbox_pending " in metrics
    assert "assistdesk_outbox_oldest_pending_age_seconds " in metrics
    # The first request builds the schema: seconds of CPU on a loaded machine, beyond httpx's 5 s.
    schema = httpx.get(f"{api.url}/api/v1/openapi.json", timeout=60).json()
    for path in ("/tickets", "/tickets/{key}", "/tickets/{key}/comments"):
        assert path in schema["paths"]
    assert set(schema["paths"]["/tickets/{key}"]) == {"get", "patch"}
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
