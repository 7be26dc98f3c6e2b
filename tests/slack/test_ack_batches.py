"""Events acknowledged together are claimed together (one SELECT, one INSERT for the batch), and
each still counts once: a redelivery, or the same message as `message` and `app_mention` in one
batch, adds no second job; a reply outside any ticket's thread claims nothing."""

from __future__ import annotations

from assistdesk.bridge.slack.inbound import accept_events
from assistdesk.platforms.slack.ports import Mention, Reaction, ReplyEdit, ThreadReply
from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, TEAM, SlackWorld

TS = "1767225700.000200"


def test_a_batch_claims_each_event_once(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    reply = ThreadReply("Ev0REPLY01", TEAM, CHANNEL, ROOT_TS, TS, JAMIE, "hello <@U0ASSISTBOT>")
    same_message = Mention("Ev0MENTION1", TEAM, CHANNEL, TS, JAMIE, "hello", thread_ts=ROOT_TS)
    elsewhere = ThreadReply("Ev0REPLY02", TEAM, CHANNEL, "1767000000.000001", "1767000001.000001", JAMIE, "x")
    edit_elsewhere = ReplyEdit("Ev0EDIT01", TEAM, CHANNEL, "1767000000.000001", "1767000001.000001", "y")
    reaction = Reaction("Ev0REACT01", TEAM, CHANNEL, "1767225800.000300", JAMIE, "ticket")
    batch = [reply, same_message, elsewhere, edit_elsewhere, reaction, reaction]

    first = slack.runtime.db.run(lambda uow: accept_events(uow, batch))
    assert [job.kind for job in first] == ["slack.reply", "slack.reaction"]
    assert slack.runtime.db.run(lambda uow: accept_events(uow, batch)) == []  # Slack redelivers


def test_a_large_batch_claims_every_event_once(slack: SlackWorld) -> None:
    slack.org()
    reactions = [
        Reaction(f"Ev0MANY{n:04d}", TEAM, CHANNEL, f"1767225800.{n:06d}", JAMIE, "ticket") for n in range(150)
    ]
    first = slack.runtime.db.run(lambda uow: accept_events(uow, reactions[:100]))
    assert len(first) == 100
    again = slack.runtime.db.run(lambda uow: accept_events(uow, reactions))  # 100 redelivered, 50 new
    assert len(again) == 50
