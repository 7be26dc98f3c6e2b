"""Every request Slack sends gets a 200, also those the app ignores: Bolt's default 404 counts as a
failed delivery, which Slack retries and holds against the app (slack.md §1.3)."""

from __future__ import annotations

import json

import pytest

from tests.slack.harness import CHANNEL, SlackWorld


@pytest.mark.parametrize(
    ("fixture", "changes"),
    [
        ("member_joined_channel.json", {}),
        ("app_rate_limited.json", {}),
        ("message.channel_join.json", {}),
        (
            "message.thread_reply.json",
            {"event_id": "Ev0NOTICKET", "event": {"thread_ts": "1700000000.000001"}},
        ),
        ("message.thread_reply.json", {"event_id": "Ev0TOPLEVEL", "event": {"thread_ts": None}}),
        ("reaction_added.json", {"event_id": "Ev0THUMBS", "event": {"reaction": "thumbsup"}}),
        ("reaction_added.json", {"event_id": "Ev0REMOVED", "event": {"type": "reaction_removed"}}),
        (
            "message.message_changed.json",
            {
                "event_id": "Ev0UNFURL",
                "event": {
                    "message": {
                        "text": "Thanks! It still happens after clearing cookies. Screenshot attached earlier."
                    }
                },
            },
        ),
    ],
)
def test_ignored_events_are_acknowledged_and_do_nothing(
    slack: SlackWorld, fixture: str, changes: dict
) -> None:  # type: ignore[type-arg]
    slack.org()
    response = slack.event(fixture, **changes)
    assert response.status_code == 200
    slack.wait_idle()
    assert slack.jobs() == []


def test_ignored_interactions_are_acknowledged(slack: SlackWorld) -> None:
    slack.org()
    link_button = {
        "type": "block_actions",
        "user": {"id": "U0CUST0001"},
        "team": {"id": "T0A1B2C3D4"},
        "api_app_id": "A0ASSIST01",
        "container": {"type": "message", "channel_id": CHANNEL},
        "trigger_id": "1.2.3",
        "actions": [
            {
                "action_id": "assist_view_request",
                "type": "button",
                "url": "https://help.example.test/help/requests/SUP-1",
            }
        ],
    }
    closed = {
        "type": "view_closed",
        "user": {"id": "U0CUST0001"},
        "team": {"id": "T0A1B2C3D4"},
        "view": {"id": "V1", "callback_id": "assist_request_form"},
        "is_cleared": False,
    }
    shortcut = {
        "type": "shortcut",
        "callback_id": "unknown",
        "user": {"id": "U0CUST0001"},
        "team": {"id": "T0A1B2C3D4"},
        "trigger_id": "1.2.4",
    }
    for payload in (link_button, closed, shortcut):
        assert slack.interact(payload).status_code == 200, json.dumps(payload)
    assert slack.command("help").status_code == 200
    slack.wait_idle()
    assert slack.jobs() == []
