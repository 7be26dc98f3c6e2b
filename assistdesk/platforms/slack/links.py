"""Where a person opens a Slack conversation in their browser or app.

Slack's web client opens a thread by team, channel and the root message's ts
(`/client/<team>/<channel>/thread/<channel>-<ts>`); without a root, the channel.
"""

from __future__ import annotations

from urllib.parse import quote

CLIENT = "https://app.slack.com/client"


def thread_url(workspace: str, channel: str, thread_root: str | None) -> str | None:
    """The thread (or the channel, before its first post); None without a team and channel."""
    if not workspace or not channel:
        return None
    team, room = quote(workspace), quote(channel)
    if thread_root:
        return f"{CLIENT}/{team}/{room}/thread/{room}-{quote(thread_root)}"
    return f"{CLIENT}/{team}/{room}"
