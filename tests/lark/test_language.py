"""Story 8: cards in English, Japanese and Simplified Chinese: the user's language when Lark gives it
(the client's `LarkLocale` in the message's user agent), else the tenant's (Chinese on Feishu)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from assistdesk.bridge.lark.context import default_locale
from tests.lark.conftest import Desk, form_for
from tests.lark.pushes import form_defaults, texts

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("client", "heading", "severity"),
    [
        ("ja_JP", "サポートリクエストを作成", "S3（通常）"),
        ("zh_CN", "创建支持请求", "S3（普通）"),
        ("en_US", "Open a support request", "S3 (normal)"),
    ],
)
def test_the_form_speaks_the_users_language(desk: Desk, client: str, heading: str, severity: str) -> None:
    _, message_id = desk.lark.say("決済が失敗します", locale=client)
    card, card_id = form_for(desk, message_id)
    assert texts(card)[0] == heading
    options = card["body"]["elements"][1]["elements"][4]["options"]
    assert options[2]["text"]["content"] == severity

    answer = desk.lark.click(card, form=form_defaults(card), card_message_id=card_id)
    toast = answer.json()["toast"]
    assert toast["content"] == toast["i18n"][{"ja_JP": "ja_jp", "zh_CN": "zh_cn", "en_US": "en_us"}[client]]


def test_without_a_client_language_the_tenant_default_applies() -> None:
    assert default_locale("https://open.feishu.cn") == "zh_Hans"
    assert default_locale("https://open.larksuite.com") == "en"


def test_every_lark_text_is_translated_into_japanese_and_chinese() -> None:
    wanted = set()
    for folder in ("assistdesk/bridge/lark", "assistdesk/platforms/lark"):
        for found in extract_from_dir(ROOT / folder, keywords={"_": None, "N_": None}):
            wanted.add(found[2])
    assert len(wanted) > 40
    for locale in ("ja", "zh_Hans"):
        with (ROOT / "assistdesk" / "locale" / locale / "LC_MESSAGES" / "lark.po").open("rb") as handle:
            catalog = read_po(handle)
        with (ROOT / "assistdesk" / "locale" / locale / "LC_MESSAGES" / "common.po").open("rb") as handle:
            common = read_po(handle)
        missing = sorted(
            m for m in wanted if not (catalog.get(m) and catalog[m].string) and not common.get(m)
        )
        assert missing == [], locale
