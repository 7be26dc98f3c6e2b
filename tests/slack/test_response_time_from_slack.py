"""A Premium S1 request opened from Slack carries its 30-minute first-response commitment, which the
first public agent reply keeps; the Slack reporter's own words do not stop the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.slack.harness import SlackWorld
from tests.slack.test_reaction_opens_a_request import JAMIE, arrange


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_premium_s1_from_slack_is_due_in_30_minutes_and_met_by_a_public_reply(slack: SlackWorld) -> None:
    arrange(slack)
    view = slack.open_form(slack.prompt_for(JAMIE))
    assert slack.submit(view, {"severity": "S1"}).status_code == 200
    api = slack.api(slack.agent_token())
    ticket = api.get("/tickets/SUP-1").json()
    assert (ticket["source"], ticket["severity"], ticket["sla"]) == ("slack", "S1", "running")
    assert _at(ticket["first_response_due_at"]) == _at(ticket["created_at"]) + timedelta(minutes=30)

    api.post("/tickets/SUP-1/comments", json={"body": "Looking at the SSO logs now.", "public": True})
    answered = api.get("/tickets/SUP-1").json()
    assert answered["sla"] == "met"
    assert _at(answered["first_response_at"]) <= _at(answered["first_response_due_at"])
