"""Story 5: the form is for organizations on Enterprise or Premium with Lark enabled; everyone else
gets a clear explanation only they can see, and no form."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.lark.conftest import Desk
from tests.lark.pushes import USER, texts

FEATURES = "https://help.example.test/help/features"


def explanation_for(desk: Desk) -> list[str]:
    answer, _ = desk.lark.say("our invoices are wrong")
    assert answer.status_code == 200
    [card] = desk.fake.wait_for(1, kind="ephemeral")
    assert card.open_id == USER  # only the asker sees it
    assert "submit_request" not in str(card.content)  # and there is no form
    return texts(card.content)


def features_link(desk: Desk) -> object:
    return desk.fake.visible(kind="ephemeral")[0].content["body"]["elements"][-1]["behaviors"]


def test_a_basic_plan_is_told_which_plan_includes_it_and_where_to_ask(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(plan="basic", enable=False)
    assert explanation_for(desk) == [
        "Requests from Lark are not available here",
        "Opening requests from Lark is included in the Enterprise plan and above; Acme is on the Basic plan.",
        "The chat features page explains how to ask for it.",
        "Meanwhile you can open requests in the help center.",
        "Chat features",
    ]
    assert features_link(desk) == [{"type": "open_url", "default_url": FEATURES}]


def test_an_enterprise_plan_without_the_feature_switched_on(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(plan="enterprise", enable=False)
    assert explanation_for(desk)[1] == "Acme's plan includes Lark requests, but they are not switched on yet."
    assert features_link(desk) == [{"type": "open_url", "default_url": FEATURES}]


def test_a_group_connected_to_no_organization(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(connect=False)
    assert explanation_for(desk)[:2] == [
        "This group is not connected to support",
        "Ask your vendor's support team to connect this group, then mention me again.",
    ]


@pytest.mark.parametrize("plan", ["enterprise", "premium"])
def test_enterprise_and_premium_with_lark_enabled_get_the_form(
    make_desk: Callable[..., Desk], plan: str
) -> None:
    desk = make_desk(plan=plan)
    desk.lark.say("our invoices are wrong")
    [card] = desk.fake.wait_for(1, kind="ephemeral")
    assert texts(card.content)[0] == "Open a support request"


def test_a_plan_downgraded_after_the_form_was_shown_refuses_the_submit(desk: Desk) -> None:
    from assistdesk.domain.orgs import service as orgs
    from tests.lark.conftest import form_for
    from tests.lark.pushes import form_defaults

    _, message_id = desk.lark.say("our invoices are wrong")
    card, card_id = form_for(desk, message_id)
    desk.runtime.db.run(
        lambda uow: orgs.set_plan(uow, org=orgs.get_org(uow.session, "Acme"), plan="developer")
    )
    answer = desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    assert answer.json() == {
        "toast": {"type": "error", "content": "Requests from Lark are not available for this group."}
    }
    assert desk.api.get("/tickets").json()["items"] == []
