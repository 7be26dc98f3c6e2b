"""Which URLs from a Slack payload we fetch with the bot token, and which we keep as links.

A thread reply's `files[].url_private(_download)` is whatever the sender's payload says; fetched
blindly with `Authorization: Bearer xoxb-…` it hands the token to any host and reads internal URLs
into an attachment the customer can download. So (INTERFACE.md, "POST /slack/events"):
- files are fetched only from Slack's file hosts over https, or from the origin of `SLACK_API_URL`
  (GovSlack, or a test server), and redirects are followed only while they stay on those hosts;
- a permalink becomes a link only when it points at Slack itself (https, `slack.com` and its
  subdomains, or GovSlack's `slack-gov.com`).
https://api.slack.com/types/file#authentication
"""

from __future__ import annotations

from urllib.parse import urlsplit

FILE_HOSTS = frozenset(
    {"files.slack.com", "files-origin.slack.com", "files-edu.slack.com", "files.slack-gov.com"}
)
LINK_DOMAINS = ("slack.com", "slack-gov.com")


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return parts.scheme, parts.hostname.lower(), port


def may_fetch(url: str, *, api_url: str) -> bool:
    """True for Slack's file hosts (https) and for the origin of SLACK_API_URL."""
    origin = _origin(url)
    if origin is None:
        return False
    scheme, host, port = origin
    if scheme == "https" and host in FILE_HOSTS and port == 443:
        return True
    return origin == _origin(api_url)


def slack_link(url: str | None) -> str | None:
    """The permalink when it points at Slack itself, else None (it will not become a link)."""
    if not url:
        return None
    origin = _origin(url)
    if origin is None or origin[0] != "https" or origin[2] != 443:
        return None
    host = origin[1]
    return url if any(host == d or host.endswith("." + d) for d in LINK_DOMAINS) else None
