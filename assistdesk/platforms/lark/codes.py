"""What an Open API answer means for a delivery: Delivered, wait, try again, or give up.

Every Open API answers `{"code": int, "msg": str, ...}`; `code != 0` is a failure. Sources:
rate limits https://open.larksuite.com/document/ukTMukTMukTM/uUzN04SN3QjL1cDN (HTTP 429, code
99991400, `x-ogw-ratelimit-reset` seconds), message codes on the send/reply pages (230020: 5 QPS per
group), server codes https://open.larksuite.com/document/ukTMukTMukTM/ugjM14COyUjL4ITN.
The texts below are what an operator reads in `assistdesk outbox list --failed`.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistdesk.outcomes import Outcome, PermanentFailure, RetryAfter, TransientFailure

RATE_LIMITED = {
    99991400: "request frequency limit",
    230020: "more than 5 messages per second to this group",
    11232: "message frequency limit",
    11233: "more than 5 messages per second to this group",
}
# The cached tenant_access_token was refused: forget it and try again with a new one.
TOKEN_REFUSED = {99991661, 99991663, 99991664, 99991671}
TRANSIENT = {
    230049: "the message is still being sent",
    1000004: "Lark internal error",
    1000040: "Lark internal error",
}
EXPLAINED = {
    230001: "invalid request parameter",
    230002: "the bot is not in this group: add the bot to the group, then retry the delivery",
    230006: "the app's bot capability is off: enable it in the developer console",
    230011: "the message to reply to was recalled",
    230013: "the bot is not available to this user: widen the app's availability",
    230018: "the group's settings forbid the bot to post",
    230019: "the thread no longer exists",
    230022: "Lark refused the content as sensitive",
    230025: "the card is larger than Lark accepts (30 KB)",
    230027: "missing permission, or not supported in external groups",
    230035: "the bot may not post here (muted, or blocked by the user)",
    230071: "this group does not support replies in thread",
    230099: "Lark refused the card JSON",
    230110: "the message was deleted",
    232009: "the group was dissolved",
    41050: "the user is outside the app's contact scope",
    99991401: "this server's IP address is not on the app's allowlist",
    99991672: "the app lacks a required scope: grant it and publish a new app version",
}
RETRY_AFTER_DEFAULT_SECONDS = 1.0


def describe(code: int | None, msg: str | None, log_id: str | None = None) -> str:
    why = EXPLAINED.get(code or 0) or RATE_LIMITED.get(code or 0) or TRANSIENT.get(code or 0)
    text = f"Lark {code}: {msg or 'no message'}"
    if why:
        text += f" ({why})"
    if log_id:
        text += f" [log_id {log_id}]"
    return text


def failure(
    *, status: int | None, code: int | None, msg: str | None, headers: Mapping[str, str], log_id: str | None
) -> Outcome:
    """The outcome of an answer that was not a success (`code` is None when the body was not JSON)."""
    reason = describe(code, msg, log_id)
    if status == 429 or code in RATE_LIMITED:
        return RetryAfter(_reset_seconds(headers), reason=reason)
    if code in TOKEN_REFUSED or code in TRANSIENT:
        return TransientFailure(reason)
    if code in EXPLAINED:
        return PermanentFailure(reason)
    if status is None or status >= 500 or status in (408, 425):
        return TransientFailure(reason)
    if status >= 400:
        return PermanentFailure(reason)
    # HTTP 2xx with a failing code nobody documented: assume Lark will recover.
    return TransientFailure(reason)


def _reset_seconds(headers: Mapping[str, str]) -> float:
    """`x-ogw-ratelimit-reset`: seconds until the window resets."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        return max(0.0, float(lowered.get("x-ogw-ratelimit-reset", RETRY_AFTER_DEFAULT_SECONDS)))
    except ValueError:
        return RETRY_AFTER_DEFAULT_SECONDS
