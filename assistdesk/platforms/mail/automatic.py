"""Is this mail written by a machine? Such mail never opens a ticket and is never answered.

RFC 3834 (`Auto-Submitted`), RFC 2076/common practice (`Precedence`), RFC 2369 mailing lists
(`List-Id`, `List-Unsubscribe`), the out-of-office headers Exchange and others add
(`X-Auto-Response-Suppress`, `X-Autoreply`, `X-Autorespond`), and RFC 3464 delivery-status
notifications (`multipart/report; report-type=delivery-status`).
"""

from __future__ import annotations

from email.message import Message

AUTO_SUBMITTED = "auto-submitted"
BULK = "bulk"
LIST = "mailing-list"
OUT_OF_OFFICE = "out-of-office"
BOUNCE = "bounce"

_OUT_OF_OFFICE_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")
_DAEMONS = ("mailer-daemon@", "postmaster@")


def reason(message: Message) -> str | None:
    """Why the mail is automatic, or None for a person's mail."""
    if _is_bounce(message):
        return BOUNCE
    submitted = _get(message, "Auto-Submitted").lower()
    if submitted and submitted != "no":
        return AUTO_SUBMITTED
    if _get(message, "Precedence").lower() in ("bulk", "junk", "list"):
        return BULK
    if _get(message, "List-Id") or _get(message, "List-Unsubscribe"):
        return LIST
    if any(_get(message, name) for name in _OUT_OF_OFFICE_HEADERS):
        return OUT_OF_OFFICE
    suppress = _get(message, "X-Auto-Response-Suppress").lower()
    if "oof" in suppress or suppress == "all":
        return OUT_OF_OFFICE
    return None


def _is_bounce(message: Message) -> bool:
    if message.get_content_type() == "multipart/report":
        return True
    sender = _get(message, "From").lower()
    return any(d in sender for d in _DAEMONS) or _get(message, "Return-Path").strip() == "<>"


def bounced_recipients(message: Message) -> tuple[str, ...]:
    """The addresses a delivery-status notification reports as failed (`Final-Recipient`)."""
    found: list[str] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            if not isinstance(block, Message):
                continue
            action = str(block.get("Action", "")).lower()
            recipient = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
            if recipient and action in ("failed", ""):
                found.append(recipient.split(";", 1)[-1].strip().lower())
    return tuple(dict.fromkeys(found))


def _get(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        return ""
    return "" if value is None else str(value)
