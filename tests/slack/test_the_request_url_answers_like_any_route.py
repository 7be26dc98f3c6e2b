"""`POST /slack/events` is answered straight from the front of the web app (web/middleware.py),
past FastAPI's routing: it must still keep the body limit and be counted in /metrics under its
own route."""

from __future__ import annotations

import json

from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld


def test_a_body_over_the_limit_is_refused_with_413_and_changes_nothing(slack: SlackWorld) -> None:
    slack.org()
    limit = slack.settings.max_body_bytes
    body = slack.event_body("reaction_added.json", padding="x" * (limit + 1))
    declared = slack.post(body, "application/json")
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def chunks() -> object:  # no Content-Length: the limit is counted as the body arrives
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536].encode()

    streamed = slack.http.post(
        "/slack/events",
        content=chunks(),  # type: ignore[arg-type]
        headers={"Content-Type": "application/json", **slack.signed(body)},
    )
    assert streamed.status_code == 413
    assert streamed.json()["status"] == 413
    slack.wait_idle()
    assert slack.jobs() == []


def test_events_are_counted_under_their_route(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="It broke")

    def counted(status: str) -> float:
        for line in slack.http.get("/metrics").text.splitlines():
            if line.startswith("assistdesk_http_requests_total{") and (
                'route="/slack/events"' in line and f'status="{status}"' in line and 'method="POST"' in line
            ):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    ok, refused = counted("200"), counted("401")
    assert slack.event("reaction_added.json").status_code == 200
    unsigned = slack.http.post("/slack/events", content=json.dumps({"type": "event_callback"}).encode())
    assert unsigned.status_code == 401
    assert counted("200") == ok + 1
    assert counted("401") == refused + 1
