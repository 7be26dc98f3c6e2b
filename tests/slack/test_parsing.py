"""Slack's payloads parsed at the edge: what is a thread reply, an edit, our own message."""

from __future__ import annotations

import json
from pathlib import Path

from assistdesk.outcomes import PermanentFailure, RetryAfter, TransientFailure
from assistdesk.platforms.slack import payloads
from assistdesk.platforms.slack.errors import classify, code_of
from assistdesk.platforms.slack.text import to_plain

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"


def parsed(name: str, **event: object) -> tuple[payloads.Envelope, payloads.MessageEvent]:
    body = json.loads((FIXTURES / name).read_text())
    body["event"].update(event)
    envelope = payloads.parse(payloads.Envelope, body)
    message = payloads.parse(payloads.MessageEvent, body["event"])
    assert envelope is not None and message is not None
    return envelope, message


def test_thread_replies_are_told_by_thread_ts_not_by_subtype() -> None:
    reply = payloads.thread_reply(*parsed("message.thread_reply.json"))
    assert reply is not None and (reply.thread_ts, reply.ts, reply.user) == (
        "1767225600.000100",
        "1767225900.000400",
        "U0CUST0001",
    )
    assert payloads.thread_reply(*parsed("message.thread_reply.json", thread_ts=None)) is None
    assert (
        payloads.thread_reply(*parsed("message.thread_reply.json", thread_ts="1767225900.000400")) is None
    )  # a parent
    assert payloads.thread_reply(*parsed("message.thread_reply.json", subtype="thread_broadcast")) is not None
    assert payloads.thread_reply(*parsed("message.channel_join.json")) is None
    assert payloads.thread_reply(*parsed("message.bot_own.json")) is None
    shared = payloads.thread_reply(*parsed("message.file_share.json"))
    assert shared is not None and [f.name for f in shared.files] == ["login.har"]


def test_edits_count_only_when_the_text_changed() -> None:
    edit = payloads.reply_edit(*parsed("message.message_changed.json"))
    assert edit is not None and edit.text == "Thanks! It still happens after clearing cookies (Chrome 131)."
    same = {
        "previous_message": {"text": "same", "ts": "1.1", "thread_ts": "1.0", "user": "U1"},
        "message": {"text": "same", "ts": "1.1", "thread_ts": "1.0", "user": "U1"},
    }
    assert payloads.reply_edit(*parsed("message.message_changed.json", **same)) is None


def test_our_own_messages_by_identity() -> None:
    _, own = parsed("message.bot_own.json")
    assert payloads.is_own(own, app_id="A0ASSIST01", bot_id=None, bot_user_id=None)
    assert payloads.is_own(own, app_id=None, bot_id="B0ASSIST01", bot_user_id=None)
    assert not payloads.is_own(own, app_id="A0OTHER", bot_id="B0OTHER", bot_user_id="U0OTHER")


def test_the_installation_is_the_first_authorization() -> None:
    body = json.loads((FIXTURES / "reaction_added.slack_connect.json").read_text())
    envelope = payloads.parse(payloads.Envelope, body)
    assert envelope is not None and (envelope.team_id, envelope.workspace) == ("T0CUSTOMER9", "T0A1B2C3D4")


def test_people_s_text_is_read_as_plain_text() -> None:
    assert to_plain(
        "see <https://x.test/a?b=1&amp;c=2|the doc> &amp; <@U1>, <#C1|general> <!here> &lt;3"
    ) == ("see the doc (https://x.test/a?b=1&c=2) & @U1, #general @here <3")


def test_web_api_errors_become_outcomes() -> None:
    assert classify(
        method="chat.postMessage", status=429, error="ratelimited", retry_after="7"
    ) == RetryAfter(7.0, "Slack chat.postMessage: ratelimited (rate limited)")
    assert isinstance(classify(method="chat.postMessage", status=503, error=None), TransientFailure)
    assert isinstance(classify(method="chat.update", status=200, error="internal_error"), TransientFailure)
    missing = classify(method="users.info", status=200, error="missing_scope", needed="users:read.email")
    assert missing == PermanentFailure(
        "Slack users.info: missing_scope: the app lacks the users:read.email scope: update it from "
        "`assistdesk slack manifest` and reinstall"
    )
    assert code_of(missing) == "missing_scope"
    unknown = classify(method="chat.postMessage", status=200, error="something_new")
    assert unknown == PermanentFailure("Slack chat.postMessage: something_new: Slack refused the call")
