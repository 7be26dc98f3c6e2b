"""A received mail as the rest of the desk reads it: bytes in, a typed `InboundMail` out.

The standard library's `email` package with `policy.default` does the MIME work (RFC 5322, RFC 2047
encoded words, ISO-2022-JP and other charsets); this module only picks out what a ticket needs and
never raises on malformed input: a part that cannot be decoded is read with replacement characters.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message, MIMEPart
from email.utils import getaddresses, parseaddr

from assistdesk.platforms.mail import automatic

MAX_ATTACHMENTS = 50
_ID = re.compile(r"<[^<>\s]{1,400}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMail:
    """One received mail. `message_id` is never empty: a mail without one gets an id made of the
    digest of its bytes, so the same bytes read twice are still recognised."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    attachments: tuple[MailAttachment, ...] = ()
    dropped_attachments: int = 0
    automatic: str | None = None
    bounced: tuple[str, ...] = ()
    language: str | None = None
    size: int = 0
    defects: tuple[str, ...] = field(default=())

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids this mail answers, nearest first."""
        return tuple(dict.fromkeys((*self.in_reply_to, *reversed(self.references))))


def parse(raw: bytes) -> InboundMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    name, sender = parseaddr(_header(message, "From"))
    reason = automatic.reason(message)
    text = _text_of(message)
    attachments, dropped = _attachments_of(message)
    own_ids = _ids(_header(message, "Message-ID"))
    return InboundMail(
        message_id=own_ids[0] if own_ids else digest_id(raw),
        sender=sender.strip().lower(),
        sender_name=_one_line(name)[:200],
        subject=_one_line(_header(message, "Subject"))[:1000],
        text=text,
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        recipients=tuple(
            a.lower() for _, a in getaddresses([_header(message, "To"), _header(message, "Cc")]) if a
        ),
        attachments=attachments,
        dropped_attachments=dropped,
        automatic=reason,
        bounced=automatic.bounced_recipients(message) if reason == automatic.BOUNCE else (),
        language=_language(message, text),
        size=len(raw),
        defects=tuple(type(d).__name__ for d in message.defects),
    )


def unparsed(raw: bytes) -> InboundMail:
    """What is known of a mail before (or without) parsing it: its bytes' digest as its id."""
    return InboundMail(
        message_id=digest_id(raw), sender="", sender_name="", subject="", text="", size=len(raw)
    )


def digest_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@digest.invalid>"


def _header(message: Message, name: str) -> str:
    """A header's decoded value, or "" when it is missing or cannot be decoded."""
    try:
        value = message.get(name)
    except Exception:  # a header so broken that the policy's parser gives up
        return ""
    return "" if value is None else str(value)


def _one_line(value: str) -> str:
    """Header injection: a decoded encoded-word may carry CR/LF; a name or a title is one line."""
    return " ".join(_CONTROL.sub(" ", value.replace("\r", " ").replace("\n", " ")).split())


def _ids(value: str) -> tuple[str, ...]:
    return tuple(match.group(0)[:191] for match in _ID.finditer(value))


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain", "html"))
    if part is None:
        return ""
    content = _content(part)
    if part.get_content_type() == "text/html":
        return _html_to_text(content)
    return content


def _content(part: MIMEPart) -> str:
    """Decoded text; a wrong or unknown charset falls back to UTF-8 with replacement characters."""
    try:
        value = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        value = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_TAG = re.compile(r"<(script|style)\b.*?</\1>|<br\s*/?>|</p>|</div>|<[^>]+>", re.IGNORECASE | re.DOTALL)


def _html_to_text(html: str) -> str:
    import html as html_lib

    def replace(match: re.Match[str]) -> str:
        token = match.group(0).lower()
        return "\n" if token.startswith(("<br", "</p", "</div")) else ""

    return html_lib.unescape(_TAG.sub(replace, html))


def _attachments_of(message: EmailMessage) -> tuple[tuple[MailAttachment, ...], int]:
    """Attachments and inline images; after `MAX_ATTACHMENTS` the rest are counted, not kept."""
    kept: list[MailAttachment] = []
    dropped = 0
    body = message.get_body(("plain", "html"))
    for part in message.walk():
        if part.is_multipart() or part is body:
            continue
        assert isinstance(part, EmailMessage)
        disposition = part.get_content_disposition()
        is_inline_image = part.get_content_maintype() == "image"
        if disposition != "attachment" and not is_inline_image:
            continue
        if len(kept) >= MAX_ATTACHMENTS:
            dropped += 1
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        filename = _one_line(part.get_filename() or "") or f"attachment-{len(kept) + 1}"
        kept.append(MailAttachment(filename[:255], part.get_content_type(), payload))
    return tuple(kept), dropped


_KANA = re.compile(r"[\u3040-\u30ff]")


def _language(message: Message, text: str) -> str | None:
    """Japanese when the mail says so (Content-Language, an ISO-2022-JP part) or is written in kana."""
    declared = _header(message, "Content-Language").split(",")[0].strip().lower()
    if declared:
        return declared.split("-")[0]
    charsets = {c.lower() for c in message.get_charsets() if c}
    if any(c.startswith(("iso-2022-jp", "shift_jis", "euc-jp")) for c in charsets) or _KANA.search(text):
        return "ja"
    return None
