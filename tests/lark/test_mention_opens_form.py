"""Story 1: a customer @mentions the bot in a connected group and gets a form only they can see."""

from __future__ import annotations

from tests.fakes.lark_api import FakeLark, Fault
from tests.lark.conftest import Desk
from tests.lark.pushes import CHAT, USER, form_defaults, texts


def test_a_mention_sends_an_ephemeral_form_prefilled_from_the_message_and_the_contact_api(desk: Desk) -> None:
    answer, _ = desk.lark.say(
        "Checkout API returns 502 on POST /v1/orders\nSince 09:40 UTC, order ids attached"
    )
    assert (answer.status_code, answer.json()) == (200, {"msg": "success"})

    [form] = desk.fake.wait_for(1, kind="ephemeral")
    assert (form.chat_id, form.open_id) == (CHAT, USER)  # only the person who asked sees it
    assert texts(form.content)[:3] == [
        "Open a support request",
        "Only you can see this card",
        "The reporter email must be the email address you use for the vendor's console: "
        "the request is filed under that account.",
    ]
    assert form_defaults(form.content) == {
        "reporter": "ann@acme.example",  # from contact/v3/users
        "title": "Checkout API returns 502 on POST /v1/orders",
        "description": "Checkout API returns 502 on POST /v1/orders\nSince 09:40 UTC, order ids attached",
        "severity": "S3",
    }
    assert desk.fake.visible(kind="reply") == []  # the group sees nothing yet


def test_without_an_email_from_lark_the_reporter_is_left_for_the_customer_to_type(desk: Desk) -> None:
    desk.fake.users.clear()  # outside the app's contact scope: 41050
    desk.lark.say("Login page is blank")
    [form] = desk.fake.wait_for(1, kind="ephemeral")
    assert form_defaults(form.content)["reporter"] == ""
    assert form_defaults(form.content)["title"] == "Login page is blank"
    assert [status for status, code in desk.fake.answered("contact.user")] == [400]


def test_the_contact_lookup_is_not_on_the_acknowledgement_path(desk: Desk, fake: FakeLark) -> None:
    """Lark's contact API answering slowly (or not at all) never delays the 200 Lark waits for."""
    fake.fail("contact.user", Fault(lose_answer=True))
    answer, _ = desk.lark.say("Invoices are missing")
    assert answer.status_code == 200
    assert answer.elapsed.total_seconds() < 2.5  # the lookup, had it been waited for, takes 3 s or more
    [form] = desk.fake.wait_for(1, kind="ephemeral")  # within the lookup's 3 s, without the email
    assert form_defaults(form.content)["reporter"] == ""


def test_messages_that_do_not_mention_the_bot_are_left_alone(desk: Desk) -> None:
    answer, _ = desk.lark.say("lunch at noon?", mention_bot=False)
    assert answer.status_code == 200
    desk.lark.say("hello")  # a later mention is answered, so the first one was not just slow
    desk.fake.wait_for(1, kind="ephemeral")
    assert len(desk.fake.visible(kind="ephemeral")) == 1
