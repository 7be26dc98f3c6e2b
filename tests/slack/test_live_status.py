"""Story 4: every status change edits the confirmation in place and leaves a one-line note."""

from __future__ import annotations

from tests.slack.harness import CHANNEL, ROOT_TS, SlackWorld


def test_status_changes_edit_the_confirmation_and_note_it_in_the_thread(slack: SlackWorld) -> None:
    slack.org()
    slack.ticket_in_thread()
    [confirmation] = slack.fake.thread(CHANNEL, ROOT_TS)
    agent = slack.api(slack.agent_token())
    for status in ("in_progress", "waiting_on_customer"):
        assert agent.patch("/tickets/SUP-1", json={"status": status}).status_code == 200
    assert agent.patch("/tickets/SUP-1", json={"severity": "S1"}).status_code == 200
    slack.wait_idle()

    updates = slack.fake.calls_to("chat.update")
    assert {u.args["ts"] for u in updates} == {confirmation["ts"]}
    assert [u.args["blocks"][1]["fields"][0]["text"] for u in updates] == [
        "*Status*\nIn progress",
        "*Status*\nWaiting on customer",
        "*Status*\nWaiting on customer",
    ]
    assert updates[-1].args["blocks"][1]["fields"][1]["text"] == "*Severity*\nS1 (critical)"
    card = slack.fake.thread(CHANNEL, ROOT_TS)[0]
    assert card["text"].endswith(
        "(status: Waiting on customer) https://help.example.test/help/requests/SUP-1"
    )
    notes = [m["text"] for m in slack.fake.thread(CHANNEL, ROOT_TS)[1:]]
    assert notes == [
        ":arrows_counterclockwise: Status changed from Open to In progress by Dana Reyes.",
        ":arrows_counterclockwise: Status changed from In progress to Waiting on customer by Dana Reyes.",
    ]
