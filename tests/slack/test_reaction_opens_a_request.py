"""Story 1: a 🎫 reaction offers a request form; submitting it creates the ticket, confirmed in the
thread of the reacted message; a message that has a ticket shows it instead of a second offer."""

from __future__ import annotations

import threading

from tests.slack.harness import CHANNEL, JAMIE, PUBLIC_URL, ROOT_TS, SlackWorld

MESSAGE = "Login page returns 500 after SSO redirect\nStarted today ~09:00 UTC for all users in our tenant."
PAT = "U0CUST0002"


def arrange(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_user(PAT, name="Pat Lee", email="pat@acme.example")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text=MESSAGE)


def inputs(view: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def test_the_reaction_prompt_opens_a_prefilled_form_whose_ticket_is_confirmed_in_the_thread(
    slack: SlackWorld,
) -> None:
    arrange(slack)
    prompt = slack.prompt_for(JAMIE)
    assert (prompt["channel"], prompt["user"]) == (CHANNEL, JAMIE)
    assert prompt["blocks"][0]["text"]["text"] == (
        "Turn this message into a support request?\n"
        ">Login page returns 500 after SSO redirect\n>Started today ~09:00 UTC for all users in our tenant."
    )
    button = prompt["blocks"][1]["elements"][0]
    assert (button["text"]["text"], button["action_id"]) == ("Submit request", "assist_open_request_form")

    view = slack.open_form(prompt)
    fields = inputs(view)
    assert fields["title"]["initial_value"] == "Login page returns 500 after SSO redirect"
    assert fields["description"]["initial_value"] == MESSAGE
    assert fields["severity"]["initial_option"]["value"] == "S3"
    assert [o["value"] for o in fields["severity"]["options"]] == ["S1", "S2", "S3", "S4"]
    assert fields["reporter"]["initial_value"] == "jamie@acme.example"
    assert (
        "https://acme-customer.slack.com/archives/C0SUPPORT01/p1767225600000100"
        in view["blocks"][0]["elements"][0]["text"]
    )

    response = slack.submit(view, {"severity": "S2"})
    assert (response.status_code, response.text) == (200, "")  # the modal closes

    [ticket] = slack.tickets()
    assert (ticket.key, ticket.source, ticket.severity, ticket.status) == ("SUP-1", "slack", "S2", "open")
    assert ticket.title == "Login page returns 500 after SSO redirect"
    assert ticket.reporter.email == "jamie@acme.example"
    assert ticket.description.endswith(
        "Slack: https://acme-customer.slack.com/archives/C0SUPPORT01/p1767225600000100"
    )

    confirmation = slack.fake.wait_for("chat.postMessage")[0].args
    assert (confirmation["channel"], confirmation["thread_ts"]) == (CHANNEL, ROOT_TS)
    link = f"<{PUBLIC_URL}/help/requests/SUP-1|SUP-1>"
    assert confirmation["blocks"][0]["text"]["text"] == (
        f":ticket: Request {link} created: Login page returns 500 after SSO redirect"
    )
    assert [f["text"] for f in confirmation["blocks"][1]["fields"]] == [
        "*Status*\nOpen",
        "*Severity*\nS2 (high)",
    ]
    assert f"{PUBLIC_URL}/help/requests/SUP-1" in confirmation["text"]


def test_a_message_that_has_a_ticket_shows_it_even_to_two_people_reacting_at_once(slack: SlackWorld) -> None:
    arrange(slack)
    slack.submit(slack.open_form(slack.prompt_for(JAMIE)), {})
    slack.wait_idle()
    ephemeral_before = len(slack.fake.calls_to("chat.postEphemeral"))
    start = threading.Barrier(2)

    def react(user: str, event_id: str) -> None:
        start.wait()
        assert slack.event("reaction_added.json", event_id=event_id, event={"user": user}).status_code == 200

    threads = [
        threading.Thread(target=react, args=a) for a in ((JAMIE, "Ev0REACT0002"), (PAT, "Ev0REACT0003"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    shown = slack.fake.wait_for("chat.postEphemeral", ephemeral_before + 2)[ephemeral_before:]
    assert sorted(c.args["user"] for c in shown) == [JAMIE, PAT]
    for call in shown:
        assert call.args["text"] == (
            f":ticket: This is already tracked as <{PUBLIC_URL}/help/requests/SUP-1|SUP-1>: "
            "Login page returns 500 after SSO redirect (Open)."
        )
        assert "actions" not in [b["type"] for b in call.args["blocks"]]  # no second "Submit request"
    assert len(slack.tickets()) == 1


def test_two_people_submitting_forms_for_one_message_make_one_ticket(slack: SlackWorld) -> None:
    arrange(slack)
    views = [
        slack.open_form(slack.prompt_for(JAMIE, event_id="Ev1"), JAMIE),
        slack.open_form(slack.prompt_for(PAT, event_id="Ev2"), PAT),
    ]
    answers: dict[str, str] = {}
    start = threading.Barrier(2)

    def submit(view: dict, user: str) -> None:  # type: ignore[type-arg]
        start.wait()
        answers[user] = slack.submit(view, {}, user=user).text

    threads = [threading.Thread(target=submit, args=(v, u)) for v, u in zip(views, (JAMIE, PAT), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slack.tickets()) == 1
    assert sorted(answers.values())[0] == ""  # the first one closed
    notice = sorted(answers.values())[1]
    assert '"response_action":"update"' in notice.replace(" ", "") and "already tracked as" in notice
    slack.wait_idle()
    assert len(slack.fake.calls_to("chat.postMessage")) == 1  # one confirmation


def test_slack_connect_channels_use_the_installation_named_by_the_event(slack: SlackWorld) -> None:
    """In a shared channel the event's top-level team is the other organization's; the installation
    is `authorizations[0]` (slack.md §1.2), and the form's view names it as app_installed_team_id."""
    shared = "C0SHARED001"
    slack.org(channel=shared)
    slack.fake.add_user("U0EXTERN001", name="Eve External", email="eve@acme.example", team_id="T0CUSTOMER9")
    slack.fake.add_message(shared, ROOT_TS, user="U0EXTERN001", text="Shared channel problem")
    assert slack.event("reaction_added.slack_connect.json").status_code == 200
    [prompt] = slack.fake.wait_for("chat.postEphemeral")
    assert (prompt.args["channel"], prompt.token) == (shared, "xoxb-test-token")
    [job] = slack.jobs()
    assert job.destination == f"slack:T0A1B2C3D4:{shared}"
    view = slack.open_form(prompt.args, "U0EXTERN001")
    assert slack.submit(view, {}, user="U0EXTERN001").text == ""
    [ticket] = slack.tickets()
    assert ticket.reporter.email == "eve@acme.example"
    confirmation = slack.fake.wait_for("chat.postMessage")[0].args
    assert (confirmation["channel"], confirmation["thread_ts"]) == (shared, ROOT_TS)


def test_admission_tickets_work_like_the_ticket_emoji(slack: SlackWorld) -> None:
    arrange(slack)
    response = slack.event("reaction_added.json", event={"reaction": "admission_tickets"})
    assert response.status_code == 200
    [prompt] = slack.fake.wait_for("chat.postEphemeral")
    assert prompt.args["text"] == "Turn this message into a support request?"
