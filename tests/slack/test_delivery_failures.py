"""Slack's refusals as outbox outcomes: 429 waits out Retry-After, 5xx and timeouts are retried, and
permanent errors become dead letters whose reason an admin can act on. The ticket exists regardless."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from assistdesk.cli.main import run
from assistdesk.domain.links import service as links
from assistdesk.outbox.models import JobStatus
from tests import databases
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.slack_api import Scripted
from tests.slack.harness import CHANNEL, ROOT_TS, SlackWorld, world


@pytest.fixture(scope="module")
def _short_lease_world(_provisioned: tuple[databases.ProvisionedDatabase, Engine]) -> Iterator[SlackWorld]:
    database, engine = _provisioned
    # A 4.5 s lease makes the worker give up on a silent Slack after 1.5 s instead of 10.
    with world(database.url, engine, outbox_lease_seconds=4.5) as w:
        yield w


@pytest.fixture
def slack(_short_lease_world: SlackWorld) -> SlackWorld:
    _short_lease_world.reset()
    return _short_lease_world


def comment(slack: SlackWorld, body: str) -> None:
    agent = slack.api(slack.agent_token())
    assert agent.post("/tickets/SUP-1/comments", json={"body": body}).status_code == 201


def test_rate_limits_outages_and_timeouts_are_retried_until_delivered(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    slack.fake.script(
        "chat.postMessage",
        Scripted(error="ratelimited", status=429, headers={"Retry-After": "1"}),
        Scripted(error="internal_error", status=500),
        Scripted(delay=3.0),  # no answer within the delivery timeout
    )
    started = time.monotonic()
    comment(slack, "Please retry now.")
    slack.fake.wait_for("chat.postMessage", 2, where=lambda c: c.args.get("thread_ts") == ROOT_TS, timeout=20)
    slack.wait_idle(timeout=20)
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    [job] = [j for j in slack.jobs() if j.kind == "slack.comment"]
    assert (job.status, job.failures) == (JobStatus.DELIVERED.value, 2)  # the 429 is not a failure
    texts = [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)]
    assert texts.count("Please retry now.") >= 1


def test_a_post_whose_answer_was_lost_is_not_posted_again(slack: SlackWorld) -> None:
    """Slack's chat.postMessage has no idempotency key: the retry finds the first post by the job's
    key in its metadata (conversations.replies) instead of posting a second copy."""
    slack.org()
    slack.ticket_in_thread()
    slack.wait_idle()
    slack.fake.lose_answers["chat.postMessage"] = 1
    slack.fake.lose_only = lambda args: args.get("text") == "Deployed the fix at 10:42."
    comment(slack, "Deployed the fix at 10:42.")
    slack.wait_idle(timeout=20)
    [job] = [j for j in slack.jobs() if j.kind == "slack.comment"]
    assert (job.status, job.failures) == (JobStatus.DELIVERED.value, 1)
    texts = [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)]
    assert texts.count("Deployed the fix at 10:42.") == 1
    lookups = slack.fake.calls_to("conversations.replies")
    assert len(lookups) == 1 and lookups[0].args.get("ts") == ROOT_TS
    # the recovered post is recorded as ours (its echo is recognised, an edit would edit it)
    [posted] = [m for m in slack.fake.thread(CHANNEL, ROOT_TS) if m["text"] == "Deployed the fix at 10:42."]
    with slack.runtime.db.reading() as session:
        comment_id = slack.comments()[-1].id
        recorded = [m.message_id for m in links.messages_of_comment(session, comment_id=comment_id)]
    assert recorded == [posted["ts"]]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("channel_not_found", "does not exist or the app cannot see it"),
        (
            "not_in_channel",
            "the app is not a member of C0SUPPORT01: invite it there (/invite and the app's name)",
        ),
        ("is_archived", "the channel C0SUPPORT01 is archived"),
        ("account_inactive", "the workspace or the app's bot user was deactivated"),
    ],
)
def test_permanent_refusals_are_dead_letters_an_admin_can_read(
    slack: SlackWorld,
    error: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slack.org()
    slack.fake.channel_answers(CHANNEL, Scripted(error=error))
    slack.ticket_in_thread(delivered=False)
    slack.wait_idle()
    assert [t.key for t in slack.tickets()] == ["SUP-1"]  # the ticket exists regardless
    [dead] = slack.jobs(JobStatus.FAILED)
    assert (dead.last_error or "").startswith(f"Slack chat.postMessage: {error}: ")
    assert reason in (dead.last_error or "")

    monkeypatch.setenv("ASSISTDESK_DATABASE_URL", slack.settings.database_url)
    monkeypatch.setenv("ASSISTDESK_SECRET_KEY", TEST_SECRET_KEY)
    assert run(["outbox", "list", "--failed"]) == 0
    listing = capsys.readouterr().out
    assert f"slack:T0A1B2C3D4:{CHANNEL}" in listing and reason in listing
