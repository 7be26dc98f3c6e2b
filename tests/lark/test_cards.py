"""Card renderers: exact output, and valid card JSON 2.0 (Lark refuses unknown attributes)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistdesk.i18n import Catalogs
from assistdesk.platforms.lark import cards
from tests.fakes import lark_cards
from tests.lark.pushes import fixture

_ = Catalogs().translator("en", "lark")
URL = "https://help.example.test/help/requests/SUP-7"


@dataclass(frozen=True)
class Ticket:
    key: str = "SUP-7"
    title: str = "Checkout API returns 502"
    status: str = "open"
    severity: str = "S2"
    url: str = URL


@dataclass(frozen=True)
class Comment:
    author_name: str = "Eve Engineer"
    body: str = "Rolled back at 10:12 UTC <at id=all></at> [x](https://evil.example)"


def plain(content: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": content}


def view_button() -> dict[str, object]:
    return {
        "tag": "button",
        "type": "default",
        "text": plain("View request"),
        "behaviors": [{"type": "open_url", "default_url": URL}],
    }


def test_the_request_form_exactly() -> None:
    prefill = cards.FormPrefill("ann@acme.example", "Checkout API returns 502", "Since 09:40 UTC")
    card = cards.request_form(_, prefill, callback={"root": "om_1", "reply_to": "om_1", "locale": "en"})
    callback = {"root": "om_1", "reply_to": "om_1", "locale": "en"}
    assert card == {
        "schema": "2.0",
        "config": {"update_multi": True},
        "header": {
            "title": plain("Open a support request"),
            "template": "blue",
            "subtitle": plain("Only you can see this card"),
        },
        "body": {
            "elements": [
                {
                    "tag": "div",
                    "text": plain(
                        "The reporter email must be the email address you use for the vendor's console: "
                        "the request is filed under that account."
                    ),
                },
                {
                    "tag": "form",
                    "name": "request_form",
                    "elements": [
                        {
                            "tag": "input",
                            "name": "reporter",
                            "required": True,
                            "label": plain("Reporter email"),
                            "placeholder": plain("The email you use for the console"),
                            "max_length": 320,
                            "default_value": "ann@acme.example",
                        },
                        {
                            "tag": "input",
                            "name": "title",
                            "required": True,
                            "label": plain("Title"),
                            "placeholder": plain("A short summary of the problem"),
                            "max_length": 255,
                            "default_value": "Checkout API returns 502",
                        },
                        {
                            "tag": "input",
                            "name": "description",
                            "required": False,
                            "input_type": "multiline_text",
                            "label": plain("Description"),
                            "placeholder": plain("What happened, and what did you expect?"),
                            "max_length": 1000,
                            "default_value": "Since 09:40 UTC",
                        },
                        {"tag": "markdown", "content": "**Severity**"},
                        {
                            "tag": "select_static",
                            "name": "severity",
                            "required": True,
                            "placeholder": plain("Severity"),
                            "initial_option": "S3",
                            "options": [
                                {"text": plain("S1 (critical)"), "value": "S1"},
                                {"text": plain("S2 (high)"), "value": "S2"},
                                {"text": plain("S3 (normal)"), "value": "S3"},
                                {"text": plain("S4 (question)"), "value": "S4"},
                            ],
                        },
                        {
                            "tag": "button",
                            "name": "submit_request",
                            "type": "primary",
                            "text": plain("Submit"),
                            "form_action_type": "submit",
                            "behaviors": [{"type": "callback", "value": {**callback, "action": "submit"}}],
                        },
                    ],
                },
                {
                    "tag": "button",
                    "name": "cancel_request",
                    "type": "default",
                    "text": plain("Cancel"),
                    "behaviors": [{"type": "callback", "value": {**callback, "action": "cancel"}}],
                },
            ]
        },
    }


def test_the_form_uses_the_documented_components_of_the_reference_card() -> None:
    """Same tags and attribute names as the JSON 2.0 sample form (samples/lark/ticket_form_card.v2.json)."""
    sample = fixture("ticket_form_card.v2.json")
    ours = cards.request_form(_, cards.FormPrefill(), callback={})

    def attributes(card: dict) -> dict[str, set[str]]:  # type: ignore[type-arg]
        found: dict[str, set[str]] = {}

        def walk(elements: list) -> None:  # type: ignore[type-arg]
            for element in elements:
                found.setdefault(element["tag"], set()).update(element)
                walk(element.get("elements", []))

        walk(card["body"]["elements"])
        return found

    theirs, mine = attributes(sample), attributes(ours)
    # plus the note on the reporter email (div) and the severity's label (markdown: select_static has none)
    assert set(mine) == set(theirs) | {"div", "markdown"}
    for tag in ("form", "input", "select_static", "button"):
        # max_length: input's documented limit (1-1,000), which the sample leaves at its default
        assert mine[tag] <= theirs[tag] | {"max_length"}, tag
    assert lark_cards.problems(sample) == []


def test_group_cards_exactly() -> None:
    ticket, comment = Ticket(), Comment()
    assert cards.confirmation(_, ticket) == {
        "schema": "2.0",
        "config": {"update_multi": True},
        "header": {
            "title": plain("Request SUP-7 opened"),
            "template": "green",
            "text_tag_list": [{"tag": "text_tag", "text": plain("Open"), "color": "blue"}],
        },
        "body": {
            "elements": [
                {"tag": "div", "text": plain("Checkout API returns 502")},
                {"tag": "div", "text": plain("Severity: S2 (high)")},
                {
                    "tag": "div",
                    "text": plain(
                        "Reply in this thread to add a comment; updates from the support team appear here."
                    ),
                },
                view_button(),
            ]
        },
    }
    update = cards.comment_update(_, ticket, comment)
    assert update["header"] == {
        "title": plain("Update on SUP-7"),
        "template": "blue",
        "text_tag_list": [{"tag": "text_tag", "text": plain("Open"), "color": "blue"}],
    }
    assert update["body"]["elements"] == [
        {"tag": "div", "text": plain("Checkout API returns 502")},
        {"tag": "div", "text": plain("Eve Engineer wrote:")},
        # People's text stays plain_text: no mention of everyone, no disguised link.
        {"tag": "div", "text": plain("Rolled back at 10:12 UTC <at id=all></at> [x](https://evil.example)")},
        view_button(),
    ]
    resolved = cards.status_update(_, Ticket(status="resolved"), old_status="in_progress", by="Eve Engineer")
    assert resolved["header"]["template"] == "green"
    assert resolved["body"]["elements"][1] == {
        "tag": "div",
        "text": plain("Eve Engineer changed the status from In progress to Resolved."),
    }


def test_long_comments_are_cut_and_link_to_the_rest() -> None:
    card = cards.comment_update(_, Ticket(), Comment(body="x" * 5000))
    shown = card["body"]["elements"][2]["text"]["content"]
    assert len(shown) == 2000
    assert shown.endswith("…")


def test_callback_answers() -> None:
    toast = cards.toast("success", "Request SUP-7 created.", {"ja_jp": "リクエスト SUP-7 を作成しました。"})
    assert cards.callback_answer(toast) == {
        "toast": {
            "type": "success",
            "content": "Request SUP-7 created.",
            "i18n": {"ja_jp": "リクエスト SUP-7 を作成しました。"},
        }
    }
    replaced = cards.callback_answer(None, cards.submitted(_, Ticket()))
    assert replaced["card"]["type"] == "raw"
    assert replaced["card"]["data"]["schema"] == "2.0"  # a 2.0 card may only be replaced by a 2.0 card
    assert cards.callback_answer() == {}  # keeps the card as it is


@pytest.mark.parametrize("locale", ["en", "ja", "zh_Hans"])
def test_every_card_is_valid_card_json_2(locale: str) -> None:
    t = Catalogs().translator(locale, "lark")
    ticket = Ticket()
    rendered = [
        cards.request_form(t, cards.FormPrefill("a@b.example", "t" * 400, "d" * 3000), callback={"x": "y"}),
        cards.request_form(t, cards.FormPrefill(), callback={}),
        cards.submitted(t, ticket),
        cards.help_card(t, examples_key="SUP-12"),
        cards.status_card(t, ticket),
        cards.notice("Heading", ["line"], button=("Chat features", "https://x.example/help/features")),
        cards.confirmation(t, ticket),
        cards.comment_update(t, ticket, Comment()),
        cards.comment_update(t, ticket, Comment(), edited=True),
        cards.comment_removed(t, ticket),
        cards.status_update(t, Ticket(status="closed"), old_status="resolved", by="Ann"),
    ]
    for card in rendered:
        assert lark_cards.problems(card) == [], card["header"]["title"]


def test_the_checker_refuses_what_lark_refuses() -> None:
    """The fake's checker is what keeps the other tests honest: it must catch these."""
    good = cards.confirmation(_, Ticket())
    unknown = {**good, "elements": []}  # a JSON 1.0 attribute on a 2.0 card
    unnamed = cards.request_form(_, cards.FormPrefill(), callback={})
    del unnamed["body"]["elements"][1]["elements"][0]["name"]
    wrong_colour = {**good, "header": {**good["header"], "template": "pink"}}
    assert lark_cards.problems(unknown) == ["card: unknown attributes ['elements']"]
    assert any("need a name" in p for p in lark_cards.problems(unnamed))
    assert any("template 'pink'" in p for p in lark_cards.problems(wrong_colour))
