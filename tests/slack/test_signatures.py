"""Every request is verified with the signing secret and its 5-minute window: anything else is 401
and changes nothing (slack.md §6)."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from assistdesk.platforms.slack import screen
from assistdesk.platforms.slack.app import verified_request
from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SIGNING_SECRET, SlackWorld


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


def test_a_verified_event_reaches_bolt_parsed_once_as_bolt_would_parse_it(slack: SlackWorld) -> None:
    """The front verifies and parses; Bolt gets the same request its own constructor would build."""
    body = slack.event_body("reaction_added.json")
    headers = {"content-type": "application/json", **slack.signed(body)}
    verdict = screen.screen(
        headers, body.encode(), content_type="application/json", secret=SIGNING_SECRET, now=time.time()
    )
    assert verdict.passed
    assert verdict.body == json.loads(body)
    ours = verified_request(body, verdict.body, query="a=1", headers=headers)
    bolts = AsyncBoltRequest(body=body, query="a=1", headers=dict(headers))
    assert ours.body is verdict.body
    assert (ours.body, ours.raw_body, ours.query, ours.headers, ours.content_type, ours.mode) == (
        bolts.body,
        bolts.raw_body,
        bolts.query,
        bolts.headers,
        bolts.content_type,
        bolts.mode,
    )
    assert dict(ours.context) == dict(bolts.context)
    assert (ours.lazy_only, ours.lazy_function_name) == (bolts.lazy_only, bolts.lazy_function_name)


def test_a_form_is_verified_but_left_to_bolt_to_parse(slack: SlackWorld) -> None:
    form = "payload=" + quote(json.dumps({"type": "block_actions", "team": {"id": "T1"}}))
    headers = {"content-type": "application/x-www-form-urlencoded", **slack.signed(form)}
    verdict = screen.screen(
        headers, form.encode(), content_type=headers["content-type"], secret=SIGNING_SECRET, now=time.time()
    )
    assert verdict.passed and verdict.body is None
    request = verified_request(form, verdict.body, query="", headers=headers)
    assert request.body == {"type": "block_actions", "team": {"id": "T1"}}
