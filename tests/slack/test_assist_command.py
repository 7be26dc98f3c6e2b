"""Story 2: `/assist [text]` opens the same form; the app's root post becomes the ticket's thread;
`/assist help` explains both ways in."""

from __future__ import annotations

import json
import time

from assistdesk.domain.links import service as links
from tests.fakes.slack_api import Scripted
from tests.slack.harness import CHANNEL, JAMIE, PUBLIC_URL, SlackWorld


def inputs(view: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def test_assist_opens_the_form_and_its_post_becomes_the_request_thread(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    response = slack.command("Login page returns 500 after SSO redirect")
    assert (response.status_code, response.text) == (200, "")  # the form opened; nothing to say
    [view] = slack.opened_views()
    assert inputs(view)["title"]["initial_value"] == "Login page returns 500 after SSO redirect"
    assert inputs(view)["description"]["initial_value"] == "Login page returns 500 after SSO redirect"
    # The email was not known when the form opened (no Web API call may delay it): filled in after.
    slack.fake.wait_for("views.update")
    view = slack.view_now(view["id"])
    assert inputs(view)["reporter"]["initial_value"] == "jamie@acme.example"

    assert slack.submit(view, {"severity": "S1"}).text == ""
    root = slack.fake.wait_for("chat.postMessage")[0]
    assert "thread_ts" not in root.args  # a new message in the channel
    card = json.dumps(root.args["blocks"])
    for shown in (
        "SUP-1",
        "Login page returns 500 after SSO redirect",
        "Open",
        "S1 (critical)",
        "jamie",
        f"{PUBLIC_URL}/help/requests/SUP-1",
        "*Reporter*",
    ):
        assert shown in card

    slack.wait_idle()
    root_ts = next(ts for (ch, ts), m in slack.fake.posted.items() if ch == CHANNEL and "thread_ts" not in m)
    with slack.runtime.db.reading() as session:
        [thread] = links.threads_of(session, ticket_id=slack.tickets()[0].id)
        assert (thread.thread_root, thread.confirmation_message) == (root_ts, root_ts)

    # The thread is the ticket's now, both ways.
    agent = slack.api(slack.agent_token())
    assert agent.post("/tickets/SUP-1/comments", json={"body": "Looking into it."}).status_code == 201
    posted = slack.fake.wait_for("chat.postMessage", 2)[1].args
    assert (posted["thread_ts"], posted["text"]) == (root_ts, "Looking into it.")
    reply = slack.event(
        "message.thread_reply.json",
        event_id="Ev0REPLY9",
        event={"thread_ts": root_ts, "ts": "1767229999.000100"},
    )
    assert reply.status_code == 200
    slack.wait_idle()
    assert [c.body for c in slack.comments()][-1] == (
        "Thanks! It still happens after clearing cookies. Screenshot attached earlier."
    )


def test_assist_prefills_what_it_knows_and_reuses_a_known_email(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example", locale="en-US")
    slack.command("first")
    slack.fake.wait_for("views.update")
    slack.wait_idle()
    slack.command("")
    view = slack.opened_views(2)[1]
    assert inputs(view)["reporter"]["initial_value"] == "jamie@acme.example"  # known now: no update needed
    assert "initial_value" not in inputs(view)["title"]
    slack.wait_idle()
    assert len(slack.fake.calls_to("views.update")) == 1


def test_assist_help_explains_both_ways_and_that_threads_cannot_run_it(slack: SlackWorld) -> None:
    slack.org()
    response = slack.command("help")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    for said in (
        ":ticket:",
        "*Submit request*",
        "`/assist`",
        "Slack does not run slash commands inside threads",
    ):
        assert said in answer["text"]
    assert slack.fake.calls_to("views.open") == []


def test_a_form_that_cannot_open_in_time_is_explained_within_the_ack(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.script("views.open", Scripted(delay=5.0))  # Slack is stuck: the trigger expires meanwhile
    started = time.monotonic()
    answer = slack.command("Broken export")
    assert time.monotonic() - started < 3.0
    assert answer.json()["text"] == (
        "Sorry, the request form could not be opened (expired_trigger_id). Please try again."
    )
    expired = slack.command("Broken export", trigger_id="1.2.already-expired")
    assert (
        expired.json()["text"]
        == "Sorry, the request form could not be opened (invalid_trigger_id). Please try again."
    )
    assert slack.tickets() == []


def test_the_root_post_is_not_doubled_when_its_answer_is_lost(slack: SlackWorld) -> None:
    """The /assist post has no thread yet: the retry looks for it in the channel (conversations.history)."""
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.command("Exports stall at 99%")
    [view] = slack.opened_views()
    slack.fake.wait_for("views.update")
    slack.fake.lose_answers["chat.postMessage"] = 1
    slack.fake.lose_only = lambda args: not args.get("thread_ts")  # the root post
    slack.submit(slack.view_now(view["id"]), {"severity": "S2"})
    slack.wait_idle(timeout=20)
    roots = [m for (ch, _), m in slack.fake.posted.items() if ch == CHANNEL and "thread_ts" not in m]
    assert len(roots) == 1
    assert len(slack.fake.calls_to("conversations.history")) == 1
    with slack.runtime.db.reading() as session:
        [thread] = links.threads_of(session, ticket_id=slack.tickets()[0].id)
        assert thread.thread_root == roots[0]["ts"]
