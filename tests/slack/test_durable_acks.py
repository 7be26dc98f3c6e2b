"""The ack comes at once and is durable: events are committed with their work before the 200, no
Web API call happens while Slack waits, and what was acknowledged survives the process dying."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from assistdesk.outbox.models import JobStatus
from tests import databases
from tests.conftest import empty_tables
from tests.fakes.slack_api import Scripted
from tests.outbox.harness import running, worker
from tests.slack.harness import CHANNEL, JAMIE, SlackWorld, world

OTHER_TS = "1767225800.000200"


def test_acknowledged_events_survive_a_crash_and_no_web_api_call_delays_the_ack(
    provisioned: tuple[databases.ProvisionedDatabase, Engine],
) -> None:
    database, engine = provisioned
    # A web process whose deliveries never happen: it "crashes" right after acknowledging.
    with world(database.url, engine, run_worker=False) as slack:
        slack.org()
        slack.ticket_in_thread(delivered=False)
        slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
        slack.fake.add_message(CHANNEL, OTHER_TS, user=JAMIE, text="Another problem")
        # The bot's own ids come from one auth.test made in the background on first use: a slow
        # Slack must not slow the ack.
        slack.fake.script("auth.test", Scripted(delay=3.0))
        started = time.monotonic()
        assert slack.event("reaction_added.json", event={"item": {"ts": OTHER_TS}}).status_code == 200
        assert slack.event("message.thread_reply.json").status_code == 200
        assert time.monotonic() - started < 2.5  # auth.test alone takes 3 s here
        assert [c.method for c in slack.fake.calls] == []  # nothing was asked of Slack while it waited
        assert {j.kind for j in slack.jobs(JobStatus.PENDING)} == {
            "slack.card",
            "slack.reaction",
            "slack.reply",
        }
        slack.server.close()

        # Another process picks up what the first one acknowledged.
        with running(worker(slack.runtime), closers=slack.runtime.closers):
            slack.fake.wait_for("chat.postEphemeral")
            slack.fake.wait_for("chat.postMessage")
            _wait_for_comment(slack)
        assert [c.body for c in slack.comments()] == [
            "Thanks! It still happens after clearing cookies. Screenshot attached earlier."
        ]
    empty_tables(engine)


def _wait_for_comment(slack: SlackWorld) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not slack.comments():
        time.sleep(0.05)


def test_the_single_workspace_identity_is_resolved_once_not_per_request(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_message(CHANNEL, OTHER_TS, user=JAMIE, text="Another problem")
    for n in range(5):
        assert (
            slack.event(
                "reaction_added.json", event_id=f"Ev0ONCE{n}", event={"item": {"ts": OTHER_TS}}
            ).status_code
            == 200
        )
    slack.fake.wait_for("chat.postEphemeral", 5)
    assert len(slack.fake.calls_to("auth.test")) <= 1
