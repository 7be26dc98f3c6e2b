"""Story 2: submitting the form opens the ticket, answers within the callback window, replaces the
form, and replies in the thread with the ticket's key, title and link; a refused form changes nothing."""

from __future__ import annotations

from tests.lark.conftest import Desk
from tests.lark.pushes import USER, form_defaults, texts, until


def open_form(desk: Desk, text: str = "Checkout API returns 502") -> tuple[dict, str, str]:  # type: ignore[type-arg]
    _, message_id = desk.lark.say(text)
    form = desk.fake.wait_for(1, kind="ephemeral")[-1]
    return form.content, form.message_id, message_id


def test_submitting_the_form_opens_the_ticket_and_replies_in_the_thread(desk: Desk) -> None:
    card, card_id, message_id = open_form(desk)
    values = {**form_defaults(card), "severity": "S2", "description": "Since 09:40 UTC"}

    answer = desk.lark.click(card, form=values, card_message_id=card_id)

    assert answer.status_code == 200
    assert answer.elapsed.total_seconds() < 3  # Lark shows an error after 3 s and never retries
    body = answer.json()
    assert body["toast"]["type"] == "success"
    assert body["toast"]["content"] == "Request SUP-1 created."
    assert body["toast"]["i18n"] == {
        "en_us": "Request SUP-1 created.",
        "ja_jp": "リクエスト SUP-1 を作成しました。",
        "zh_cn": "已创建请求 SUP-1。",
    }
    assert body["card"]["type"] == "raw"
    assert texts(body["card"]["data"]) == [
        "Request SUP-1 submitted",
        "Checkout API returns 502",
        "The link is also in the thread.",
        "View request",
    ]

    ticket = desk.api.get("/tickets/SUP-1").json()
    assert (ticket["title"], ticket["description"], ticket["severity"]) == (
        "Checkout API returns 502",
        "Since 09:40 UTC",
        "S2",
    )
    assert (ticket["source"], ticket["reporter_email"], ticket["org"]) == ("lark", "ann@acme.example", "Acme")

    [reply] = desk.fake.wait_for(1, kind="reply")
    assert (reply.reply_to, reply.in_thread) == (message_id, True)  # in the thread of the customer's message
    assert texts(reply.content) == [
        "Request SUP-1 opened",
        "Open",
        "Checkout API returns 502",
        "Severity: S2 (high)",
        "Reply in this thread to add a comment; updates from the support team appear here.",
        "View request",
    ]
    link = reply.content["body"]["elements"][-1]["behaviors"][0]["default_url"]
    assert link == "https://help.example.test/help/requests/SUP-1"
    assert reply.uuid and len(reply.uuid) <= 50


def test_an_email_that_is_not_a_contact_is_refused_on_the_card_and_nothing_is_created(desk: Desk) -> None:
    card, card_id, _ = open_form(desk)
    values = {**form_defaults(card), "reporter": "mallory@elsewhere.example"}

    answer = desk.lark.click(card, form=values, card_message_id=card_id)

    assert answer.status_code == 200
    assert answer.json() == {
        "toast": {
            "type": "error",
            "content": "Reporter email: mallory@elsewhere.example is not registered for this group's "
            "organization. Use the email address you use for the vendor's console.",
        }
    }  # no "card": the form stays for the customer to correct
    assert desk.api.get("/tickets").json()["items"] == []
    corrected = desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    assert corrected.json()["toast"]["type"] == "success"


def test_an_empty_title_or_a_malformed_email_names_the_field(desk: Desk) -> None:
    card, card_id, _ = open_form(desk)
    no_title = desk.lark.click(card, form={**form_defaults(card), "title": "  "}, card_message_id=card_id)
    bad_email = desk.lark.click(
        card, form={**form_defaults(card), "reporter": "ann at acme"}, card_message_id=card_id
    )
    assert no_title.json()["toast"]["content"] == "Title: write a short summary (at most 255 characters)."
    assert bad_email.json()["toast"]["content"] == "Reporter email: enter a valid email address."
    assert desk.api.get("/tickets").json()["items"] == []


def test_an_email_of_the_organizations_domain_becomes_a_contact(desk: Desk) -> None:
    card, card_id, _ = open_form(desk)
    answer = desk.lark.click(
        card, form={**form_defaults(card), "reporter": "bo@acme.example"}, card_message_id=card_id
    )
    assert answer.json()["toast"]["type"] == "success"
    assert desk.api.get("/tickets/SUP-1").json()["reporter_email"] == "bo@acme.example"


def test_submitting_twice_opens_one_ticket(desk: Desk) -> None:
    card, card_id, _ = open_form(desk)
    first = desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    second = desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    assert first.json()["toast"]["content"] == "Request SUP-1 created."
    assert second.json()["toast"]["content"] == "This conversation is already request SUP-1."
    assert len(desk.api.get("/tickets").json()["items"]) == 1
    desk.fake.wait_for(1, kind="reply")
    assert len(desk.fake.visible(kind="reply")) == 1


def test_cancel_removes_the_form(desk: Desk) -> None:
    card, card_id, _ = open_form(desk)
    answer = desk.lark.click(card, button="cancel_request", card_message_id=card_id)
    assert answer.json()["toast"]["type"] == "info"
    until(lambda: desk.fake.visible(kind="ephemeral") == [])  # ephemeral/v1/delete, through the outbox
    assert desk.api.get("/tickets").json()["items"] == []
    assert [call for call, _ in desk.fake.calls if call == "ephemeral.delete"] == ["ephemeral.delete"]
    assert USER  # the card was only ever shown to the asker
