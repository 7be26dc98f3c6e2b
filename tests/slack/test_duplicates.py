"""Slack redelivers (`X-Slack-Retry-Num`, same event_id) and sometimes delivers twice at once: none of
it makes a second ticket, comment or prompt. Our own messages are never synced back."""

from __future__ import annotations

import threading

from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld


def deliver_concurrently(slack: SlackWorld, fixture: str, copies: int, **changes: object) -> list[int]:
    statuses: list[int] = []
    start = threading.Barrier(copies)

    def send(n: int) -> None:
        start.wait()
        retry = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} if n else {}
        statuses.append(slack.event(fixture, headers=retry, **changes).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def test_a_redelivered_reaction_prompts_once(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="It broke")
    assert deliver_concurrently(slack, "reaction_added.json", 4) == [200] * 4
    for n in (1, 2, 3):  # Slack's later retries
        assert slack.event("reaction_added.json", headers={"X-Slack-Retry-Num": str(n)}).status_code == 200
    slack.wait_idle()
    assert len(slack.fake.calls_to("chat.postEphemeral")) == 1


def test_a_redelivered_reply_becomes_one_comment(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    assert deliver_concurrently(slack, "message.thread_reply.json", 4) == [200] * 4
    # The same message under another event id (Slack sends message and app_mention separately).
    assert slack.event("message.thread_reply.json", event_id="Ev0OTHERID1").status_code == 200
    slack.wait_idle()
    assert len(slack.comments()) == 1


def test_a_form_submitted_twice_opens_one_ticket(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.command("Export fails")
    [view] = slack.opened_views()
    slack.wait_idle()
    view = slack.view_now(view["id"])
    assert slack.submit(view, {}).status_code == 200
    assert slack.submit(view, {}).status_code == 200  # the user saw a timeout and pressed again
    slack.wait_idle()
    assert len(slack.tickets()) == 1
    assert len(slack.fake.calls_to("chat.postMessage")) == 1


def test_our_own_messages_are_never_synced_back(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.ticket_in_thread()
    agent = slack.api(slack.agent_token())
    agent.post(
        "/tickets/SUP-1/comments", json={"body": "We deployed a fix for the SSO redirect; please retry."}
    )
    slack.wait_idle()
    [_, posted] = slack.fake.thread(CHANNEL, ROOT_TS)
    # Slack echoes our post as a message event: by bot_id and app_id, by the recorded ts, and even
    # when the echo carries only one of them.
    assert slack.event("message.bot_own.json", event={"ts": posted["ts"]}).status_code == 200
    assert (
        slack.event(
            "message.bot_own.json",
            event_id="Ev0ECHO2",
            event={"bot_id": None, "user": None, "bot_profile": None, "ts": posted["ts"]},
        ).status_code
        == 200
    )
    assert (
        slack.event(
            "message.bot_own.json", event_id="Ev0ECHO3", event={"app_id": None, "ts": "1767226001.000501"}
        ).status_code
        == 200
    )
    # A reply whose text is ours but whose author is a person is a person's reply: identity, not text.
    assert (
        slack.event(
            "message.thread_reply.json",
            event={"text": "We deployed a fix for the SSO redirect; please retry."},
        ).status_code
        == 200
    )
    slack.wait_idle()
    comments = slack.comments()
    assert [(c.author_kind, c.source) for c in comments] == [("agent", "api"), ("contact", "slack")]
