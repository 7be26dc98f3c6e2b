"""Every request is verified with the signing secret and its 5-minute window: anything else is 401
and changes nothing (slack.md §6)."""

from __future__ import annotations

import time

import pytest

from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda s, body: s.signed(body, secret="not-the-secret"), id="wrong-secret"),
        pytest.param(lambda s, body: s.signed(body, timestamp=int(time.time()) - 301), id="stale"),
        pytest.param(lambda s, body: s.signed(body, timestamp=int(time.time()) + 301), id="from-the-future"),
        pytest.param(lambda s, body: s.signed(body + " "), id="tampered-body"),
        pytest.param(lambda s, body: {}, id="unsigned"),
    ],
)
def test_requests_not_signed_by_slack_are_refused_and_change_nothing(slack: SlackWorld, forge) -> None:  # type: ignore[no-untyped-def]
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="It broke")
    body = slack.event_body("reaction_added.json")
    response = slack.http.post(
        "/slack/events",
        content=body.encode(),
        headers={"Content-Type": "application/json", **forge(slack, body)},
    )
    assert response.status_code == 401
    slack.wait_idle()
    assert slack.jobs() == []
    assert slack.fake.calls == []


def test_the_url_verification_challenge_is_answered_when_signed(slack: SlackWorld) -> None:
    answer = slack.event("url_verification.json")
    assert answer.status_code == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
