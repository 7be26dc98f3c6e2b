"""Where a person opens a Lark (Feishu) group in their app.

Lark has no public link to one message thread, so the AppLink of the group is the closest; Feishu
(China) and Lark (international) serve AppLinks from different hosts, told apart by the Open API
domain the app is configured for (https://open.feishu.cn/document/applink-protocol).
"""

from __future__ import annotations

from urllib.parse import quote

FEISHU_APPLINK = "applink.feishu.cn"
LARK_APPLINK = "applink.larksuite.com"


def chat_url(chat_id: str, *, domain: str) -> str | None:
    """The group `chat_id` opened in the Lark app; None without a chat id."""
    if not chat_id:
        return None
    host = FEISHU_APPLINK if "feishu" in domain else LARK_APPLINK
    return f"https://{host}/client/chat/open?openChatId={quote(chat_id)}"
