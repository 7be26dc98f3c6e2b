"""Block Kit renderers are pure functions of view-models: their exact output, in two languages."""

from __future__ import annotations

import json

from assistdesk.bridge.views import CommentView, TicketCard
from assistdesk.i18n import Catalogs
from assistdesk.platforms.slack import blocks, forms
from assistdesk.platforms.slack.ports import Access, FieldError, FormProblem, FormSource, Refusal, RequestForm

CATALOGS = Catalogs()
EN = CATALOGS.translator("en", "slack")
JA = CATALOGS.translator("ja", "slack")
CARD = TicketCard(
    key="SUP-7",
    title="Export <fails> & more",
    status="waiting_on_customer",
    severity="S2",
    url="https://help.example.test/help/requests/SUP-7",
    org="Acme",
    reporter_name="Jamie Rivera",
    reporter_email="jamie@acme.example",
    source="slack",
)


def test_the_ticket_card() -> None:
    message = blocks.ticket_card(CARD, EN, with_reporter=True)
    assert message.text == (
        "Request SUP-7 created: Export &lt;fails&gt; &amp; more (status: Waiting on customer) "
        "https://help.example.test/help/requests/SUP-7"
    )
    assert message.blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":ticket: Request <https://help.example.test/help/requests/SUP-7|SUP-7> created: "
                "Export &lt;fails&gt; &amp; more",
            },
            "block_id": "card",
            "accessory": {
                "type": "button",
                "action_id": "assist_view_request",
                "text": {"type": "plain_text", "text": "View request"},
                "url": "https://help.example.test/help/requests/SUP-7",
            },
        },
        {
            "type": "section",
            "block_id": "card_fields",
            "fields": [
                {"type": "mrkdwn", "text": "*Status*\nWaiting on customer"},
                {"type": "mrkdwn", "text": "*Severity*\nS2 (high)"},
                {"type": "mrkdwn", "text": "*Reporter*\nJamie Rivera"},
            ],
        },
        {
            "type": "context",
            "block_id": "card_hint",
            "elements": [{"type": "mrkdwn", "text": "Replies in this thread are added to the request."}],
        },
    ]
    assert blocks.ticket_card(CARD, JA).blocks[1]["fields"] == [
        {"type": "mrkdwn", "text": "*ステータス*\nお客様の返信待ち"},
        {"type": "mrkdwn", "text": "*重要度*\nS2（高）"},
    ]


def test_comments_with_and_without_the_author_s_name_as_sender() -> None:
    view = CommentView(1, "Dana <Ops>", "agent", "Fixed in *v2* <!here>", "api", "2026-01-01T00:00:00+00:00")
    assert blocks.comment(view, CARD, EN, as_author=True).text == "Fixed in *v2* &lt;!here&gt;"
    assert (
        blocks.comment(view, CARD, EN, as_author=False).text
        == "*Dana &lt;Ops&gt;*: Fixed in *v2* &lt;!here&gt;"
    )
    long = CommentView(2, "Dana", "agent", "x" * 5000, "api", "2026-01-01T00:00:00+00:00")
    cut = blocks.comment(long, CARD, EN, as_author=False).text
    assert len(cut) == 3800
    assert cut.endswith(
        "…\n_(cut here: read the whole comment on <https://help.example.test/help/requests/SUP-7|SUP-7>)_"
    )


def test_the_prompt_and_the_notes() -> None:
    prompt = blocks.prompt("first line\n" + "y" * 600, "42", EN)
    assert (
        prompt.blocks[0]["text"]["text"]
        == "Turn this message into a support request?\n>first line\n>" + "y" * 488 + "…"
    )
    assert prompt.blocks[1]["elements"][0]["value"] == "42"
    assert blocks.status_note("open", "resolved", "Dana", EN).text == (
        ":arrows_counterclockwise: Status changed from Open to Resolved by Dana."
    )
    assert blocks.refusal(
        Refusal(
            Access.PLAN_TOO_LOW, "C1", "https://x.test/help/features", "Acme", "developer", "premium", "off"
        ),
        JA,
    ) == (
        "Slack からのサポートリクエストには プレミアム プランが必要です。Acme は現在 デベロッパー プランです。"
        "組織の管理者は https://x.test/help/features からアップグレードを申請できます。"
    )


def test_the_request_modal_and_its_errors() -> None:
    form = RequestForm(
        source=FormSource.REACTION,
        workspace="T1",
        channel="C1",
        locale="en",
        title="t" * 300,
        description="d" * 4000,
        severity="S9",
        reporter_email="a@b.example",
        message_ts="1.2",
        permalink="https://s.test/p?a=1&b=2",
        user_name="Jamie",
        profile_email="a@b.example",
    )
    view = forms.request_modal(form, EN)
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (
        "assist_request_form",
        "Support request",
        "Submit",
    )
    assert (
        view["blocks"][0]["elements"][0]["text"]
        == "From <https://s.test/p?a=1&amp;b=2|this message> in <#C1>"
    )
    title, description, severity, reporter = view["blocks"][1:]
    assert (len(title["element"]["initial_value"]), len(description["element"]["initial_value"])) == (
        255,
        3000,
    )
    assert severity["element"]["initial_option"]["value"] == "S3"  # an unknown severity falls back
    assert reporter["element"] == {
        "type": "email_text_input",
        "action_id": "value",
        "initial_value": "a@b.example",
    }
    assert json.loads(view["private_metadata"]) == {
        "v": 1,
        "src": "reaction",
        "ws": "T1",
        "ch": "C1",
        "ts": "1.2",
        "link": "https://s.test/p?a=1&b=2",
        "loc": "en",
        "name": "Jamie",
        "pe": "a@b.example",
    }
    assert forms.errors_by_block(
        (
            FieldError("reporter_email", FormProblem.NOT_A_CONTACT, "Acme", "x@y.example"),
            FieldError("title", FormProblem.EMPTY),
        ),
        JA,
    ) == {
        "reporter": "x@y.example は Acme に登録されていません。組織がサポートに登録したメールアドレスを使うか、"
        "管理者に追加を依頼してください。",
        "title": "入力してください。",
    }
