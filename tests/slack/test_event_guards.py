"""Event callbacks pass Slack's guards before their listener: our own bot's events are answered and
go no further."""

from __future__ import annotations

import time

from tests.slack.harness import CHANNEL, SlackWorld

BOT_USER = "U0ASSISTBOT"  # the fake workspace's bot (auth.test)
OTHER_TS = "1767225800.000300"


def _identity_known(slack: SlackWorld) -> None:
    """The single workspace's bot identity is resolved in the background after the first event."""
    slack.fake.add_message(CHANNEL, OTHER_TS, user=BOT_USER, text="hello")
    assert slack.event("app_rate_limited.json").status_code == 200
    deadline = time.monotonic() + 5
    while not slack.fake.calls_to("auth.test") and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # the answer reaches the installation's memory


def test_our_own_bots_reaction_records_nothing(slack: SlackWorld) -> None:
    slack.org()
    _identity_known(slack)
    own = slack.event(
        "reaction_added.json", event_id="Ev0OWNBOT", event={"user": BOT_USER, "item": {"ts": OTHER_TS}}
    )
    assert own.status_code == 200
    someone = slack.event("reaction_added.json", event_id="Ev0SOMEONE", event={"item": {"ts": OTHER_TS}})
    assert someone.status_code == 200
    slack.wait_idle()
    assert [job.payload["user"] for job in slack.jobs()] == ["U0CUST0001"]  # the customer's only


def test_a_signed_event_of_a_type_slack_never_sends_is_answered_as_unhandled(slack: SlackWorld) -> None:
    """An event whose type is not a name (a list, an object) matches no listener: 200, as Bolt
    answers an event nobody listens to, and nothing recorded."""
    slack.org()
    for odd in (["reaction_added"], {"name": "message"}, None, 7):
        answer = slack.event("reaction_added.json", event_id=f"Ev0ODD{odd!s:.8}", event={"type": odd})
        assert answer.status_code == 200
    slack.wait_idle()
    assert slack.jobs() == []
