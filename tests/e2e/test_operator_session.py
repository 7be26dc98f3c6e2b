"""An operator's first session, end to end: `assistdesk serve` as a subprocess, driven with the CLI
and the REST API exactly as documented in INTERFACE.md."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.serving import ASSISTDESK, serve_env, start_serve, stop
from tests.fakes.sink import Sink


class Operator:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def run(self, *args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*ASSISTDESK, *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if ok:
            assert result.returncode == 0, f"{args}: {result.stderr}"
        return result


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[Operator, str]]:
    env = serve_env(
        db_url,
        ASSISTDESK_PUBLIC_URL="https://support.example.test",
        ASSISTDESK_TICKET_PREFIX="ACME",
        ASSISTDESK_WEBHOOK_ALLOW_PRIVATE="true",  # the webhook sink listens on loopback
    )
    process, base = start_serve(env, tmp_path, tmp_path / "serve.log")
    try:
        yield Operator(env, tmp_path), base
    finally:
        stop(process)


def test_an_operator_sets_up_a_customer_and_works_a_ticket(served: tuple[Operator, str]) -> None:
    op, base = served
    sink = Sink()
    try:
        assert op.run(
            "org", "create", "Acme", "--plan", "developer", "--domain", "acme.example"
        ).stdout.strip() == ("created Acme (developer), domains acme.example")
        refused = op.run("org", "enable", "Acme", "slack", ok=False)
        assert refused.returncode != 0
        assert refused.stderr.strip() == (
            "assistdesk: error: 'Acme' is on the developer plan; slack needs the enterprise plan or above"
        )
        op.run("org", "set-plan", "Acme", "enterprise")
        op.run("org", "enable", "Acme", "lark")
        op.run("org", "set-plan", "Acme", "premium")
        op.run("org", "enable", "Acme", "slack")
        op.run("contact", "add", "ann@acme.example", "--org", "Acme", "--name", "Ann", "--admin")
        op.run(
            "agent",
            "add",
            "eve@vendor.example",
            "--name",
            "Eve",
            "--admin",
            "--password-stdin",
            stdin="correct horse\n",
        )
        token = op.run("token", "create", "--agent", "eve@vendor.example").stdout.strip().splitlines()[-1]
        assert token.startswith("adk_")
        op.run("connect", "slack", "--org", "Acme", "--team", "T0A1B2C3D4", "--channel", "C0SUPPORT01")
        op.run("connect", "lark", "--org", "Acme", "--chat", "oc_support")
        listing = op.run("org", "list", "--json").stdout
        import json

        assert json.loads(listing) == [
            {
                "name": "Acme",
                "plan": "premium",
                "domains": ["acme.example"],
                "features": {"slack": "enabled", "lark": "enabled"},
                "chat": "interact",
                "timezone": "UTC",
                "holidays": None,
            }
        ]
        hook_secret = op.run("webhook", "add", sink.url("ops")).stdout.strip().splitlines()[-1]
        assert hook_secret.startswith("whsec_")

        api = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        created = api.post(
            "/tickets",
            json={
                "org": "Acme",
                "reporter_email": "ann@acme.example",
                "title": "VPN drops",
                "severity": "S2",
            },
        )
        assert created.status_code == 201
        assert created.json()["key"] == "ACME-1"
        assert created.json()["url"] == "https://support.example.test/help/requests/ACME-1"
        api.post("/tickets/ACME-1/comments", json={"body": "Which client version?"})
        api.patch("/tickets/ACME-1", json={"status": "waiting_on_customer"})
        ticket = api.get("/tickets/ACME-1").json()
        assert (
            ticket["status"] == "waiting_on_customer"
            and ticket["comments"][0]["body"] == "Which client version?"
        )
        events = [r.body["type"] for r in sink.wait_for(3, name="ops")]
        assert events == ["ticket.created", "comment.added", "ticket.status_changed"]

        listed = op.run("outbox", "list").stdout
        assert listed.startswith("0 pending")
        # Three webhook events, and the reporter (a ticket opened through the API) hears of the same
        # three moments by mail: the acknowledgement, the agent's reply and the status change.
        assert listed.count("delivered") == 6 and listed.count("mail.ticket") == 3
        bad = op.run("org", "create", "Nope", "--plan", "gold", ok=False)
        assert bad.returncode == 1 and bad.stderr.count("\n") == 1
        missing = op.run("outbox", "retry", "12345", ok=False)
        assert missing.returncode == 1 and missing.stderr.strip() == "assistdesk: error: no outbox job #12345"
        metrics = httpx.get(f"{base}/metrics").text
        assert 'assistdesk_deliveries_total{channel="webhook",outcome="delivered"} 3.0' in metrics
    finally:
        sink.close()
