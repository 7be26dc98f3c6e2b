"""Where an agent opens a ticket's chat thread: each platform makes its own links."""

from __future__ import annotations

from assistdesk.platforms.lark.links import chat_url
from assistdesk.platforms.slack.links import thread_url


def test_a_slack_thread_opens_in_slacks_web_client_by_team_channel_and_root() -> None:
    assert thread_url("T0ACME", "C0SUPPORT", "1700000000.000100") == (
        "https://app.slack.com/client/T0ACME/C0SUPPORT/thread/C0SUPPORT-1700000000.000100"
    )
    assert thread_url("T0ACME", "C0SUPPORT", None) == "https://app.slack.com/client/T0ACME/C0SUPPORT"
    assert thread_url("", "C0SUPPORT", "1.2") is None


def test_a_lark_group_opens_by_its_applink_on_the_lark_or_feishu_host() -> None:
    assert chat_url("oc_acme", domain="https://open.larksuite.com") == (
        "https://applink.larksuite.com/client/chat/open?openChatId=oc_acme"
    )
    assert chat_url("oc_acme", domain="https://open.feishu.cn") == (
        "https://applink.feishu.cn/client/chat/open?openChatId=oc_acme"
    )
    assert chat_url("oc&x=1", domain="https://open.larksuite.com") == (
        "https://applink.larksuite.com/client/chat/open?openChatId=oc%26x%3D1"
    )
    assert chat_url("", domain="https://open.larksuite.com") is None
