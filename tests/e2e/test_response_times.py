"""Response-time commitments end to end, as an operator runs them: `assistdesk serve` and a second
`assistdesk worker` as subprocesses, targets of seconds set with the CLI, tickets through the REST
API, warning and breach mails caught by a local SMTP server, webhook events by a local sink."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.serving import ASSISTDESK, serve_env, start_serve, stop
from tests.e2e.test_operator_session import Operator
from tests.fakes.mailbox import Mailbox
from tests.fakes.sink import Sink

ADMIN = "ada@vendor.example"
ENGINEER = "eve@vendor.example"


@dataclass
class Desk:
    op: Operator
    base: str
    mailbox: Mailbox
    sink: Sink
    token: str

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.base}/api/v1", headers={"Authorization": f"Bearer {self.token}"}, timeout=10
        )


def start_worker(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("a") as out:
        return subprocess.Popen(
            [*ASSISTDESK, "worker"], env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )


@pytest.fixture
def desk(db_url: str, tmp_path: Path) -> Iterator[Desk]:
    mailbox, sink = Mailbox(), Sink()
    env = serve_env(
        db_url,
        ASSISTDESK_PUBLIC_URL="https://support.example.test",
        ASSISTDESK_SMTP_URL=mailbox.url,
        ASSISTDESK_WEBHOOK_ALLOW_PRIVATE="true",
    )
    op = Operator(env, tmp_path)
    op.run(
        "org", "create", "Acme", "--plan", "premium", "--domain", "acme.example", "--timezone", "Asia/Tokyo"
    )
    op.run("contact", "add", "ann@acme.example", "--org", "Acme", "--name", "Ann")
    op.run("agent", "add", ADMIN, "--name", "Ada", "--admin")
    op.run("agent", "add", ENGINEER, "--name", "Eve")
    token = op.run("token", "create", "--agent", ADMIN).stdout.strip().splitlines()[-1]
    op.run(
        "webhook", "add", sink.url("ops"), "--event", "ticket.sla_warning", "--event", "ticket.sla_breached"
    )
    assert op.run("sla", "set", "premium", "S1", "5s").stdout.strip() == (
        "set premium     S1  5s (calendar hours)  (overridden)"
    )
    op.run("sla", "set", "premium", "S2", "6s")
    process, base = start_serve(env, tmp_path, tmp_path / "serve.log")
    worker = start_worker(env, tmp_path, tmp_path / "worker.log")
    try:
        yield Desk(op, base, mailbox, sink, token)
    finally:
        stop(worker)
        stop(process)
        sink.close()
        mailbox.close()


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_ticket_left_alone_warns_then_breaches_once_each_and_an_answered_one_is_met(
    desk: Desk, tmp_path: Path
) -> None:
    api = desk.api()
    left = api.post(
        "/tickets",
        json={
            "org": "Acme",
            "reporter_email": "ann@acme.example",
            "title": "Checkout down",
            "severity": "S1",
        },
    ).json()
    assert left["sla"] == "running" and left["first_response_at"] is None
    created = _at(left["created_at"])
    assert _at(left["first_response_due_at"]) == created + timedelta(seconds=5)

    answered = api.post(
        "/tickets",
        json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "Slow export", "severity": "S2"},
    ).json()
    api.patch(f"/tickets/{answered['key']}", json={"assignee_email": ENGINEER})
    api.post(f"/tickets/{answered['key']}/comments", json={"body": "checking the logs", "public": False})
    assert api.get(f"/tickets/{answered['key']}").json()["sla"] == "running"  # a note does not stop it
    api.post(f"/tickets/{answered['key']}/comments", json={"body": "Fixed: a stuck export job."})
    after = api.get(f"/tickets/{answered['key']}").json()
    assert after["sla"] == "met" and after["first_response_at"] is not None

    warning = desk.mailbox.wait_for(ADMIN, 1, timeout=15, tickets=True)
    warned_at = datetime.now(created.tzinfo)
    assert warning.subject == f"[{left['key']}] First response due soon: Checkout down"
    assert (
        "80%" in warning.body and f"https://support.example.test/agent/tickets/{left['key']}" in warning.body
    )
    assert warned_at - (created + timedelta(seconds=4)) < timedelta(seconds=5)
    breach = desk.mailbox.wait_for(ADMIN, 2, timeout=15, tickets=True)
    breached_at = datetime.now(created.tzinfo)
    assert breach.subject == f"[{left['key']}] First response overdue: Checkout down"
    assert breached_at - (created + timedelta(seconds=5)) < timedelta(seconds=5)
    events = desk.sink.wait_for(2, name="ops")
    assert [(e.body["type"], e.body["data"]["ticket"]["key"]) for e in events] == [
        ("ticket.sla_warning", left["key"]),
        ("ticket.sla_breached", left["key"]),
    ]
    assert events[1].body["data"]["ticket"]["sla"] == "breached"

    # A restarted worker and more time change nothing: each stage was announced once.
    stop(start_worker(desk.op.env, tmp_path, tmp_path / "worker2.log"))
    time.sleep(8)  # past the answered ticket's due time, and several scans of every worker
    assert len(desk.mailbox.messages(ADMIN, tickets=True)) == 2
    assert desk.mailbox.messages(ENGINEER, tickets=True) == []
    assert len(desk.sink.bodies("ops")) == 2

    assert [t["key"] for t in api.get("/tickets", params={"sla": "breached"}).json()["items"]] == [
        left["key"]
    ]
    assert api.get("/tickets", params={"sla": "running"}).json()["items"] == []
    bad = api.get("/tickets", params={"sla": "late"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")

    report = json.loads(desk.op.run("sla", "report", "--json").stdout)
    assert [
        (r["plan"], r["severity"], r["tickets"], r["met"], r["breached"], r["attainment"]) for r in report
    ] == [
        ("premium", "S1", 1, 0, 1, 0.0),
        ("premium", "S2", 1, 1, 0, 100.0),
    ]
    assert report[1]["median_seconds"] is not None and report[1]["median_seconds"] < 6

    metrics = httpx.get(f"{desk.base}/metrics").text
    assert 'assistdesk_first_response_seconds_count{plan="premium",severity="S2"} 1.0' in metrics


@pytest.fixture
def operator(db_url: str, tmp_path: Path) -> Operator:
    op = Operator(serve_env(db_url), tmp_path)
    op.run("org", "create", "Acme", "--plan", "premium", "--timezone", "Asia/Tokyo", "--holidays", "JP")
    op.run("sla", "set", "premium", "S1", "5s")
    return op


def test_bad_targets_and_calendars_are_refused_with_one_line_and_change_nothing(operator: Operator) -> None:
    before = operator.run("sla", "list", "--json").stdout
    for args, message in (
        (("sla", "set", "gold", "S1", "4h"), "unknown plan 'gold'"),
        (("sla", "set", "premium", "S9", "4h"), "unknown severity 'S9'"),
        (("sla", "set", "premium", "S1", "0m"), "the duration must be more than zero"),
        (("sla", "set", "premium", "S1", "--", "-4h"), "unreadable duration '-4h'"),
        (("sla", "set", "premium", "S1", "-5m"), "unreadable duration '-5m'"),
        (("org", "set-timezone", "Acme", "Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
        (("org", "set-timezone", "Acme", "Asia/Tokyo", "--holidays", "XX"), "unknown holiday country 'XX'"),
        (("org", "create", "Beta", "--plan", "premium", "--timezone", "Nowhere"), "unknown time zone"),
    ):
        failed = operator.run(*args, ok=False)
        assert failed.returncode != 0
        assert failed.stderr.startswith("assistdesk: error: " + message), failed.stderr
        assert len(failed.stderr.strip().splitlines()) == 1
    assert operator.run("sla", "list", "--json").stdout == before
    orgs = json.loads(operator.run("org", "list", "--json").stdout)
    assert [(o["name"], o["timezone"], o["holidays"]) for o in orgs] == [("Acme", "Asia/Tokyo", "JP")]
    listed = json.loads(before)
    assert {"plan": "premium", "severity": "S1", "first_response": 5, "business_hours": False} in listed
    assert {"plan": "developer", "severity": "S1", "first_response": 14400, "business_hours": True} in listed
    assert {"plan": "basic", "severity": "S1", "first_response": None, "business_hours": False} in listed
