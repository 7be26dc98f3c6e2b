"""A customer's Slack, end to end: signed requests from fixtures to `POST /slack/events` on a live
server (with its in-process delivery worker), and the fake Slack Web API it talks to."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, exists, or_, select

from assistdesk.app import create_app
from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatPerson, ChatPlace
from assistdesk.db.types import utcnow
from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.models import Comment, Ticket
from assistdesk.outbox import admin
from assistdesk.outbox.models import JobStatus, OutboxDestination, OutboxJob
from assistdesk.outbox.worker import default_owner
from assistdesk.runtime import Runtime, build_runtime
from tests.conftest import empty_tables, make_settings
from tests.fakes.live import LiveServer
from tests.fakes.slack_api import FakeSlack

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0A1B2C3D4"
CHANNEL = "C0SUPPORT01"
BOT_TOKEN = "xoxb-test-token"
JAMIE = "U0CUST0001"
ROOT_TS = "1767225600.000100"
PUBLIC_URL = "https://help.example.test"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


class SlackWorld:
    """One backend's app, server and fake Slack, shared by a module's tests and reset between them."""

    def __init__(
        self, db_url: str, engine: Engine, fake: FakeSlack, *, run_worker: bool = True, **settings: Any
    ) -> None:
        self.fake = fake
        self.engine = engine
        values: dict[str, Any] = {
            "public_url": PUBLIC_URL,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_bot_token": BOT_TOKEN,
            "slack_api_url": fake.api_url,
            "outbox_rate_slack": 100.0,
            "outbox_poll_seconds": 0.1,
        }
        values.update(settings)
        self.settings = make_settings(db_url, **values)
        self.runtime: Runtime = build_runtime(self.settings, run_migrations=False)
        self.server = LiveServer(create_app(runtime=self.runtime, run_worker=run_worker))
        self.http = httpx.Client(base_url=self.server.url, timeout=10)
        self._events = 0

    def close(self) -> None:
        self.http.close()
        self.server.close()
        self.runtime.db.dispose()

    def reset(self) -> None:
        self.wait_idle(backoffs=False)
        empty_tables(self.engine)
        self.fake.reset()
        assert self.runtime.slack is not None
        self.runtime.slack.installations.forget()

    # Arranging -----------------------------------------------------------------------------------------

    def org(
        self,
        *,
        plan: str = "premium",
        enable: bool = True,
        connect: bool = True,
        channel: str = CHANNEL,
        team: str = TEAM,
        name: str = "Acme",
    ) -> None:
        def seed(uow: UnitOfWork) -> None:
            org = orgs.find_org(uow.session, name) or orgs.create_org(
                uow, name=name, plan=plan, domains=[f"{name.lower()}.example"]
            )
            if enable:
                orgs.enable_feature(uow, org=org, feature="slack")
            if connect:
                links.connect_channel(uow, platform="slack", workspace=team, channel=channel, org=org)

        self.runtime.db.run(seed)

    def contact(self, email: str, name: str, org: str = "Acme") -> None:
        self.runtime.db.run(
            lambda uow: people.add_contact(uow, email=email, org=orgs.get_org(uow.session, org), name=name)
        )

    def agent_token(self, email: str = "dana@vendor.example", name: str = "Dana Reyes") -> str:
        def seed(uow: UnitOfWork) -> str:
            agent = people.find_agent(uow.session, email) or people.add_agent(uow, email=email, name=name)
            token, _ = people.create_token(uow, agent=agent)
            return token

        return self.runtime.db.run(seed)

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.server.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    # Sending what Slack sends ------------------------------------------------------------------------

    def signed(
        self, body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET
    ) -> dict[str, str]:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        assert signature is not None
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def post(
        self, body: str, content_type: str, *, headers: dict[str, str] | None = None, **signing: Any
    ) -> httpx.Response:
        return self.http.post(
            "/slack/events",
            content=body.encode(),
            headers={"Content-Type": content_type, **self.signed(body, **signing), **(headers or {})},
        )

    def event(self, name: str, *, headers: dict[str, str] | None = None, **changes: Any) -> httpx.Response:
        self._events += 1
        body = merged(fixture(name), changes)
        return self.post(json.dumps(body), "application/json", headers=headers)

    def event_body(self, name: str, **changes: Any) -> str:
        return json.dumps(merged(fixture(name), changes))

    def command(
        self,
        text: str,
        *,
        user: str = JAMIE,
        channel: str = CHANNEL,
        trigger_id: str | None = None,
        team: str = TEAM,
    ) -> httpx.Response:
        fields = dict(parse_qsl((FIXTURES / "slash_command.assist.txt").read_text(), keep_blank_values=True))
        fields.update(
            {
                "text": text,
                "user_id": user,
                "channel_id": channel,
                "team_id": team,
                "trigger_id": trigger_id or self.fake.trigger(),
            }
        )
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click_submit_request(
        self, value: str, *, user: str = JAMIE, channel: str = CHANNEL, trigger_id: str | None = None
    ) -> httpx.Response:
        """The prompt is ephemeral, so Slack sends no `message` and marks the container ephemeral."""
        payload = fixture("block_actions.submit_request.json")
        payload.pop("message", None)
        payload["container"] = {
            "type": "message",
            "message_ts": "1767225661.000300",
            "channel_id": channel,
            "is_ephemeral": True,
        }
        payload["channel"]["id"] = channel
        payload["user"] = {**payload["user"], "id": user}
        payload["trigger_id"] = trigger_id or self.fake.trigger()
        payload["actions"][0]["value"] = value
        return self.interact(payload)

    def submit(
        self, view: dict[str, Any], values: dict[str, str | None], *, user: str = JAMIE
    ) -> httpx.Response:
        """Fill the modal the app opened (as the fake recorded it) and press Submit."""
        payload = fixture("view_submission.request_form.json")
        state: dict[str, dict[str, Any]] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element = block["element"]
            if block["block_id"] in values:
                value = values[block["block_id"]]
            else:
                value = (element.get("initial_option") or {}).get("value") or element.get("initial_value")
            if element["type"] == "static_select":
                chosen = next((o for o in element["options"] if o["value"] == value), None)
                state[block["block_id"]] = {
                    element["action_id"]: {"type": "static_select", "selected_option": chosen}
                }
            else:
                state[block["block_id"]] = {element["action_id"]: {"type": element["type"], "value": value}}
        payload["user"] = {**payload["user"], "id": user}
        payload["view"] = {
            **payload["view"],
            "id": view["id"],
            "blocks": view["blocks"],
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": state},
            "hash": view["hash"],
        }
        return self.interact(payload)

    # Reading the outcome -----------------------------------------------------------------------------

    def wait_idle(self, timeout: float = 15.0, *, backoffs: bool = True) -> None:
        """Until no delivery is pending; with `backoffs=False`, none due within a second (a job a
        previous test left retrying in a long backoff is not waited for: `reset` deletes it)."""
        horizon = timedelta(days=365) if backoffs else timedelta(seconds=1)
        # Only what this desk's worker delivers: a job another suite left for a channel this desk
        # has off (a Lark group, on the database the suites share) would never go, and is deleted
        # by `reset` with everything else.
        ours = or_(*(OutboxJob.destination.startswith(f"{channel}:") for channel in self.runtime.handlers))
        if not backoffs:
            # Nor a job whose destination another owner leased (a test's worker that stopped, or
            # one that claimed by hand): it goes when that lease expires, and `reset` deletes it.
            ours = ours & ~exists().where(
                OutboxDestination.key == OutboxJob.destination,
                OutboxDestination.lease_owner != default_owner(),
                OutboxDestination.lease_until > utcnow(),
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.runtime.db.reading() as session:
                due = session.scalar(
                    select(OutboxJob.id)
                    .where(
                        OutboxJob.status == JobStatus.PENDING.value,
                        OutboxJob.available_at <= utcnow() + horizon,
                        ours,
                    )
                    .limit(1)
                )
            if due is None:
                return
            time.sleep(0.02)
        with self.runtime.db.reading() as session:
            pending = session.execute(
                select(OutboxJob.destination, OutboxJob.kind, OutboxJob.attempts, OutboxJob.available_at)
                .where(OutboxJob.status == JobStatus.PENDING.value, ours)
                .limit(5)
            ).all()
        raise AssertionError(f"deliveries still pending: {pending}")

    def jobs(self, status: JobStatus | None = None) -> list[OutboxJob]:
        with self.runtime.db.reading() as session:
            return list(admin.list_jobs(session, status=status, limit=1000))

    def tickets(self) -> list[Ticket]:
        with self.runtime.db.reading() as session:
            return list(reversed(tickets.list_tickets(session)))

    def comments(self, key: str = "SUP-1") -> list[Comment]:
        with self.runtime.db.reading() as session:
            found = tickets.comments_of(session, tickets.get_ticket(session, key), public_only=False)
            for comment in found:
                _ = comment.attachments
            return list(found)

    def opened_views(self, count: int = 1) -> list[dict[str, Any]]:
        """The modals the app opened, as the user sees them now (with their id and hash)."""
        calls = self.fake.wait_for("views.open", count)
        return [copy.deepcopy(self.fake.views[c.args["_opened_id"]]) for c in calls]

    def view_now(self, view_id: str) -> dict[str, Any]:
        """The modal as the user sees it now (after any views.update)."""
        return self.fake.views[view_id]

    def ticket_in_thread(
        self,
        *,
        reporter: str = JAMIE,
        email: str = "jamie@acme.example",
        root: str = ROOT_TS,
        title: str = "Login page returns 500",
        delivered: bool = True,
    ) -> None:
        """A ticket opened from the reacted message `root` (as the form would), its card delivered."""
        self.runtime.db.run(
            lambda uow: chat.open_request(
                uow,
                place=ChatPlace(ChatPlatform.SLACK, TEAM, CHANNEL),
                requester=ChatPerson(reporter, "jamie", email, "en-US"),
                reporter_email=email,
                title=title,
                description="",
                severity="S3",
                thread_root=root,
                prefix="SUP",
                public_url=PUBLIC_URL,
            )
        )
        if delivered:
            self.fake.wait_for("chat.postMessage")
            self.wait_idle()

    # Whole flows -------------------------------------------------------------------------------------

    def prompt_for(
        self, user: str = JAMIE, *, event_id: str = "Ev0REACT0001", ts: str = ROOT_TS
    ) -> dict[str, Any]:
        """React with 🎫 and return the ephemeral prompt the user got."""
        before = len(self.fake.calls_to("chat.postEphemeral"))
        response = self.event(
            "reaction_added.json", event_id=event_id, event={"user": user, "item": {"ts": ts}}
        )
        assert response.status_code == 200, response.text
        return self.fake.wait_for("chat.postEphemeral", before + 1)[-1].args

    def open_form(self, prompt: dict[str, Any], user: str = JAMIE) -> dict[str, Any]:
        before = len(self.fake.calls_to("views.open"))
        value = prompt["blocks"][1]["elements"][0]["value"]
        response = self.click_submit_request(value, user=user)
        assert response.status_code == 200, response.text
        return self.opened_views(before + 1)[-1]


@contextmanager
def world(db_url: str, engine: Engine, *, run_worker: bool = True, **settings: Any) -> Iterator[SlackWorld]:
    fake = FakeSlack()
    fake.add_workspace(TEAM, BOT_TOKEN)
    w = SlackWorld(db_url, engine, fake, run_worker=run_worker, **settings)
    try:
        yield w
    finally:
        w.close()
        fake.close()
