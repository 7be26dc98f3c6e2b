"""Story 7: the app speaks the user's Slack locale (users.info `locale`): Japanese here."""

from __future__ import annotations

from tests.slack.harness import CHANNEL, JAMIE, ROOT_TS, SlackWorld

KENJI = "U0KENJI001"


def test_a_japanese_user_is_answered_in_japanese_from_prompt_to_thread(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(KENJI, name="Kenji Sato", email="kenji@acme.example", locale="ja-JP")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=KENJI, text="ログインできません")
    prompt = slack.prompt_for(KENJI)
    assert prompt["text"] == "このメッセージをサポートリクエストにしますか？"
    assert prompt["blocks"][1]["elements"][0]["text"]["text"] == "リクエストを送信"

    view = slack.open_form(prompt, KENJI)
    assert view["title"]["text"] == "サポートリクエスト"
    assert [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"] == [
        "件名",
        "詳細",
        "重要度",
        "メールアドレス",
    ]
    assert slack.submit(view, {}, user=KENJI).text == ""
    confirmation = slack.fake.wait_for("chat.postMessage")[0].args
    assert confirmation["blocks"][0]["text"]["text"].startswith(":ticket: リクエスト <")
    assert confirmation["blocks"][1]["fields"][0]["text"] == "*ステータス*\n未対応"

    agent = slack.api(slack.agent_token())
    agent.patch("/tickets/SUP-1", json={"status": "in_progress"})
    slack.wait_idle()
    note = slack.fake.thread(CHANNEL, ROOT_TS)[-1]["text"]
    assert (
        note == ":arrows_counterclockwise: Dana Reyes がステータスを「未対応」から「対応中」に変更しました。"
    )

    help_text = slack.command("help", user=KENJI).json()["text"]
    assert help_text.startswith("*Slack からサポートリクエストを作成する 2 つの方法:*")


def test_people_whose_locale_is_not_translated_get_english(slack: SlackWorld) -> None:
    slack.org()
    slack.fake.add_user(JAMIE, name="Jamie Rivera", email="jamie@acme.example", locale="fr-FR")
    slack.fake.add_message(CHANNEL, ROOT_TS, user=JAMIE, text="Bonjour")
    assert slack.prompt_for(JAMIE)["text"] == "Turn this message into a support request?"
