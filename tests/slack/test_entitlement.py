"""Story 5: only enterprise and premium organizations with Slack enabled open requests; everyone
else is told why (the plan needed and where to ask), and nothing is created."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assistdesk.bridge.slack.models import SlackDraft
from assistdesk.domain.orgs import service as orgs
from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld

FEATURES = "https://help.example.test/help/features"


@pytest.mark.parametrize(
    ("arrange", "explanation"),
    [
        (
            {"connect": False},
            "This channel is not connected to a support organization, so requests cannot be opened here. "
            f"Ask your organization's admin to have it connected (channel ID {CHANNEL}); chat features are "
            f"described at {FEATURES}.",
        ),
        (
            {"plan": "developer", "enable": False},
            "Support requests from Slack need the Enterprise plan; Acme is on Developer. Your organization's "
            f"admin can ask for an upgrade at {FEATURES}.",
        ),
        (
            {"enable": False},
            "Support requests from Slack are included in Acme's Premium plan but are not switched on "
            f"(currently: off). Your organization's admin can ask for them at {FEATURES}.",
        ),
    ],
    ids=["not-connected", "plan-too-low", "not-enabled"],
)
def test_channels_without_the_plan_or_the_feature_get_an_explanation_and_nothing_else(
    slack: SlackWorld, arrange: dict[str, object], explanation: str
) -> None:
    slack.org(**arrange)  # type: ignore[arg-type]
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="help")

    answer = slack.command("The export is broken")
    assert answer.status_code == 200
    assert answer.json() == {"response_type": "ephemeral", "text": explanation}

    assert slack.event("reaction_added.json").status_code == 200
    [told] = slack.fake.wait_for("chat.postEphemeral")
    assert (told.args["user"], told.args["text"]) == (JAMIE, explanation)

    slack.wait_idle()
    assert slack.tickets() == []
    assert slack.fake.calls_to("views.open") == []
    assert slack.fake.calls_to("chat.postMessage") == []
    with slack.runtime.db.reading() as session:
        assert session.scalar(select(func.count()).select_from(SlackDraft)) == 0


def test_a_form_submitted_after_the_feature_was_withdrawn_creates_nothing(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.command("Broken export")
    [view] = slack.opened_views()
    slack.wait_idle()
    slack.runtime.db.run(
        lambda uow: orgs.disable_feature(uow, org=orgs.get_org(uow.session, "Acme"), feature="slack")
    )
    answer = slack.submit(view, {}).json()
    assert answer["response_action"] == "update"
    assert "are not switched on" in answer["view"]["blocks"][0]["text"]["text"]
    assert slack.tickets() == []


def test_form_errors_are_shown_on_the_form_and_create_nothing(slack: SlackWorld) -> None:
    slack.org()
    slack.contact("ann@acme.example", "Ann Smith")
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example")
    slack.command("Broken export")
    [view] = slack.opened_views()
    outsider = slack.submit(view, {"reporter": "jamie@gmail.example"}).json()
    assert outsider == {
        "response_action": "errors",
        "errors": {
            "reporter": "jamie@gmail.example is not registered with Acme. Use the email your organization "
            "gave support, or ask its admin to add you."
        },
    }
    blank = slack.submit(view, {"title": "   ", "reporter": "ann@acme.example"}).json()
    assert blank == {"response_action": "errors", "errors": {"title": "This field is required."}}
    assert slack.tickets() == []
