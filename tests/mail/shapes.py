"""Mails shaped like what real clients send: Gmail, Outlook, Apple Mail and a Japanese client."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate


def mail(
    *,
    sender: str,
    subject: str,
    body: str,
    message_id: str,
    to: str = "support@desk.test",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    name: str = "",
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(body, charset=charset)
    return bytes(message)


GMAIL_REPLY = """Thanks, that fixed it.

On Mon, Dec 7, 2026 at 10:00 AM Ada Admin <support@desk.test> wrote:
> Please clear the cache and try again.
>
> --
> https://help.example.test/help/requests/SUP-1
"""

OUTLOOK_REPLY = """Thanks, that fixed it.

________________________________
From: Ada Admin <support@desk.test>
Sent: Monday, December 7, 2026 10:00 AM
To: Ann <ann@acme.example>
Subject: [SUP-1] Checkout times out

Please clear the cache and try again.
"""

APPLE_REPLY = """Thanks, that fixed it.

> On 7 Dec 2026, at 10:00, Ada Admin <support@desk.test> wrote:
>
> Please clear the cache and try again.
"""

JAPANESE_REPLY = """ありがとうございます。解決しました。

2026年12月7日(月) 10:00 Ada Admin <support@desk.test>:
> キャッシュを消してもう一度お試しください。
"""

SHAPES = {
    "gmail": (GMAIL_REPLY, "Thanks, that fixed it."),
    "outlook": (OUTLOOK_REPLY, "Thanks, that fixed it."),
    "apple": (APPLE_REPLY, "Thanks, that fixed it."),
    "japanese": (JAPANESE_REPLY, "ありがとうございます。解決しました。"),
}
