"""Slack Web API errors as delivery outcomes, with reasons an admin can act on.

Slack answers errors with HTTP 200 and `{"ok": false, "error": "<code>"}`, except rate limits (HTTP
429 with Retry-After) and outages (5xx) (slack.md §4). What `assistdesk outbox list` shows is the
reason written here, so each one says what happened and what to do.
"""

from __future__ import annotations

from assistdesk.outcomes import PermanentFailure, RetryAfter, TransientFailure
from assistdesk.platforms.http import parse_retry_after

Failed = RetryAfter | TransientFailure | PermanentFailure

# Retrying cannot help; the message stays a dead letter until someone fixes the cause and replays it.
PERMANENT = {
    "channel_not_found": "the channel {where} does not exist or the app cannot see it (deleted, or private "
    "without the app)",
    "not_in_channel": "the app is not a member of {where}: invite it there (/invite and the app's name), "
    "then replay",
    "is_archived": "the channel {where} is archived",
    "account_inactive": "the workspace or the app's bot user was deactivated",
    "invalid_auth": "Slack rejected the bot token (invalid_auth): reinstall the app in this workspace",
    "not_authed": "no bot token was sent: is the app installed in this workspace?",
    "token_revoked": "the bot token was revoked (the app was removed): reinstall it",
    "token_expired": "the bot token expired (token rotation is on): reinstall the app",
    "no_permission": "the app is not allowed to do this in {where}",
    "missing_scope": "the app lacks the {needed} scope: update it from `assistdesk slack manifest` and "
    "reinstall",
    "team_access_not_granted": "the app is not allowed in this workspace (org-wide install without it)",
    "thread_not_found": "the thread in {where} no longer exists (its first message was deleted)",
    "message_not_found": "the message in {where} no longer exists",
    "cant_update_message": "the message in {where} cannot be edited by the app",
    "edit_window_closed": "the message in {where} can no longer be edited",
    "user_not_in_channel": "the user is not a member of {where}",
    "user_not_found": "Slack does not know this user",
    "user_not_visible": "the user is not visible to the app (Slack Connect privacy)",
    "restricted_action": "the workspace's settings forbid the app to post in {where}",
    "restricted_action_read_only_channel": "{where} is read-only for the app",
    "restricted_action_thread_only_channel": "{where} only accepts thread replies",
    "restricted_action_non_threadable_channel": "{where} does not allow threads",
    "restricted_action_thread_locked": "the thread in {where} is locked",
    "cannot_reply_to_message": "the message in {where} does not accept replies",
    "ekm_access_denied": "the workspace's key management revoked the app's access",
    "msg_too_long": "the message was too long for Slack",
    "msg_blocks_too_long": "the message's blocks were too long for Slack",
    "invalid_blocks": "Slack refused the message's blocks (invalid_blocks)",
    "no_text": "the message had no text",
    "file_not_found": "the file no longer exists",
    "file_deleted": "the file was deleted",
}
# Slack's own trouble: worth trying again later.
TRANSIENT = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "timeout", "unknown_error"}
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
DEFAULT_RATE_LIMIT_WAIT = 30.0  # `rate_limited` comes with HTTP 200 and no Retry-After


def classify(
    *,
    method: str,
    status: int,
    error: str | None,
    retry_after: str | None = None,
    needed: str | None = None,
    where: str = "the channel",
) -> Failed:
    code = error or f"HTTP {status}"
    prefix = f"Slack {method}: {code}"
    if status == 429 or code in RATE_LIMITED:
        default = 1.0 if status == 429 else DEFAULT_RATE_LIMIT_WAIT
        return RetryAfter(parse_retry_after(retry_after, default=default), reason=f"{prefix} (rate limited)")
    if status >= 500 or code in TRANSIENT:
        return TransientFailure(prefix)
    explanation = PERMANENT.get(code)
    if explanation is not None:
        return PermanentFailure(f"{prefix}: {explanation.format(where=where, needed=needed or 'a required')}")
    return PermanentFailure(f"{prefix}: Slack refused the call")


def code_of(failed: Failed) -> str:
    """The Slack error code inside a reason written by `classify` (`Slack <method>: <code>…`)."""
    after = failed.reason.split(": ", 1)[-1]
    return after.split(":", 1)[0].split(" (", 1)[0].strip()
