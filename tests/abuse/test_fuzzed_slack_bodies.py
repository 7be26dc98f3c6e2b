"""Whatever reaches `POST /slack/events` (signed or not, events, commands or interactivity, cut
short or nested absurdly) is answered without a 5xx: unsigned is 401, signed but not what Slack
sends is 400 or an acknowledgement, and never a traceback."""

# ruff: noqa: F811  (fixtures imported from another folder's conftest are used by name)
from __future__ import annotations

import logging
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.abuse.strategies import mutated
from tests.slack.conftest import _slack_world, slack  # noqa: F401  (the fixtures, shared)
from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld, fixture

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EVENTS = [
    "reaction_added.json",
    "message.thread_reply.json",
    "message.file_share.json",
    "message.message_changed.json",
    "app_uninstalled.json",
    "url_verification.json",
]
INTERACTIONS = ["block_actions.submit_request.json", "view_submission.request_form.json"]


@pytest.fixture
def arranged(slack: SlackWorld, caplog: pytest.LogCaptureFixture) -> SlackWorld:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="It broke")
    caplog.set_level(logging.WARNING)
    return slack


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if r.exc_info is not None]
    assert logged == [], logged[0].getMessage()


def send(slack: SlackWorld, body: str, content_type: str, *, signed: bool) -> int:
    headers = {"Content-Type": content_type, **(slack.signed(body) if signed else {})}
    return slack.http.post("/slack/events", content=body.encode(), headers=headers).status_code


@FUZZ
@given(data=st.data(), signed=st.booleans())
def test_fuzzed_events_never_get_a_server_error(
    arranged: SlackWorld, caplog: pytest.LogCaptureFixture, data: st.DataObject, signed: bool
) -> None:
    body = data.draw(mutated(fixture(data.draw(st.sampled_from(EVENTS)))))
    status = send(arranged, body, "application/json", signed=signed)
    assert status in ((200, 400, 404) if signed else (401,)), (status, body[:200])
    no_tracebacks(caplog)


@FUZZ
@given(data=st.data(), signed=st.booleans())
def test_fuzzed_interactions_never_get_a_server_error(
    arranged: SlackWorld, caplog: pytest.LogCaptureFixture, data: st.DataObject, signed: bool
) -> None:
    payload = data.draw(mutated(fixture(data.draw(st.sampled_from(INTERACTIONS)))))
    body = urlencode({"payload": payload})
    status = send(arranged, body, "application/x-www-form-urlencoded", signed=signed)
    assert status in ((200, 400, 404) if signed else (401,)), (status, payload[:200])
    no_tracebacks(caplog)


@pytest.mark.parametrize(
    ("body", "content_type", "headers", "expected"),
    [
        pytest.param("{{{", "application/json", None, 400, id="braces-signed"),
        pytest.param("{{{", "application/json", {}, 401, id="braces-unsigned"),
        pytest.param("[" * 5000 + "]" * 5000, "application/json", None, 400, id="deep-signed"),
        pytest.param('{"a":' * 100 + "1" + "}" * 100, "application/json", None, 400, id="nested-object"),
        pytest.param("[1, 2]", "application/json", None, 400, id="not-an-object"),
        pytest.param("payload=%7B%7B", "application/x-www-form-urlencoded", None, 400, id="bad-payload"),
        pytest.param(
            '{"type": "event_callback", "team_id": "T0A1B2C3D4", "event": "x"}',
            "application/json",
            None,
            400,
            id="event-is-a-string",
        ),
        pytest.param(
            "{}",
            "application/json",
            {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
            401,
            id="non-numeric-timestamp",
        ),
        pytest.param(
            "{}",
            "application/json",
            {"X-Slack-Request-Timestamp": "9" * 30, "X-Slack-Signature": "v0=00"},
            401,
            id="huge-timestamp",
        ),
    ],
)
def test_malformed_requests_get_a_client_error_without_a_traceback(
    arranged: SlackWorld,
    caplog: pytest.LogCaptureFixture,
    body: str,
    content_type: str,
    headers: dict[str, str] | None,
    expected: int,
) -> None:
    sent = arranged.signed(body) if headers is None else headers
    answer = arranged.http.post(
        "/slack/events", content=body.encode(), headers={"Content-Type": content_type, **sent}
    )
    assert answer.status_code == expected, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json") or expected == 400
    no_tracebacks(caplog)
    arranged.wait_idle()
    assert arranged.jobs() == []
