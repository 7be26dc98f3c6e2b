"""Where an agent opens a ticket's chat thread, on whichever platform it lives.

The one neutral module that knows every platform's link maker: the console shows threads of all
platforms side by side. It lives apart from `bridge.views` so that a channel's code, which imports
the view-models, never reaches another platform's client through it (the import contracts).
"""

from __future__ import annotations

from assistdesk.domain.links.models import ChatPlatform
from assistdesk.platforms.lark import links as lark_links
from assistdesk.platforms.slack import links as slack_links


def thread_permalink(
    platform: str, workspace: str, channel: str, thread_root: str | None, *, lark_domain: str
) -> str | None:
    """Where an agent can open a ticket's chat thread: each platform knows its own links."""
    if platform == ChatPlatform.SLACK:
        return slack_links.thread_url(workspace, channel, thread_root)
    if platform == ChatPlatform.LARK:
        return lark_links.chat_url(channel, domain=lark_domain)
    return None
