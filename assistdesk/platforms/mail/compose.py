"""Ticket mail as the customer reads it: pure functions of a neutral view-model to a MIME message.

Threading (RFC 5322 §3.6.4): every mail of a ticket carries `In-Reply-To` and `References` naming
the ticket's first mail, and a subject of `[KEY] title`, which is what Gmail, Outlook and Apple Mail
group conversations by. `Reply-To` is the support address so that answers come back to the desk.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage

from assistdesk.i18n import Translator


@dataclass(frozen=True)
class TicketMailView:
    """What one ticket mail says. `kind` is one of KINDS; `expected_first_response` is a formatted
    promise (the plan's first-response commitment) or None when there is none."""

    kind: str
    key: str
    title: str
    link: str
    body: str = ""
    author_name: str = ""
    status: str = ""
    expected_first_response: str | None = None


_LINK = re.compile(r"https?://[^\s<>\"']+")

ACKNOWLEDGEMENT = "acknowledgement"
REPLY = "reply"
STATUS = "status"
KINDS = (ACKNOWLEDGEMENT, REPLY, STATUS)


@dataclass(frozen=True)
class Envelope:
    to: str
    support_address: str
    desk_name: str
    message_id: str
    thread_root: str | None
    references: tuple[str, ...] = ()


def subject(view: TicketMailView) -> str:
    return f"[{view.key}] {view.title}"


def text(view: TicketMailView, _: Translator, status_label: str = "") -> str:
    lines: list[str]
    if view.kind == ACKNOWLEDGEMENT:
        lines = [
            _("We received your request {key}: {title}", key=view.key, title=view.title),
            "",
            _("Follow it and add to it here: {link}", link=view.link),
        ]
        if view.expected_first_response:
            lines += ["", _("Expected first response: {when}", when=view.expected_first_response)]
        lines += ["", _("Reply to this mail to add to your request.")]
    elif view.kind == REPLY:
        lines = [_("{name} wrote:", name=view.author_name), "", view.body, "", "--", view.link]
    else:
        lines = [
            _("Your request {key} is now: {status}", key=view.key, status=status_label or view.status),
            "",
            view.link,
        ]
    return "\n".join(lines)


def html_part(plain: str) -> str:
    """A simple HTML twin of the text part: escaped, paragraphs kept, the link clickable."""
    blocks = []
    for paragraph in plain.split("\n\n"):
        escaped = _LINK.sub(r'<a href="\g<0>">\g<0></a>', html.escape(paragraph, quote=True))
        blocks.append("<p>" + escaped.replace("\n", "<br>") + "</p>")
    return '<!doctype html><html><body style="font-family:sans-serif">' + "".join(blocks) + "</body></html>"


def build(envelope: Envelope, *, subject_line: str, plain: str, author_name: str = "") -> EmailMessage:
    message = EmailMessage()
    name = _one_line(author_name) or _one_line(envelope.desk_name)
    message["From"] = Address(display_name=name, addr_spec=envelope.support_address)
    message["To"] = envelope.to
    message["Reply-To"] = envelope.support_address
    message["Subject"] = _one_line(subject_line)
    message["Message-ID"] = envelope.message_id
    if envelope.thread_root:
        message["In-Reply-To"] = envelope.thread_root
        message["References"] = " ".join(dict.fromkeys((envelope.thread_root, *envelope.references)))
    # RFC 3834: a machine must not answer this; our own reader also ignores mail carrying it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(plain)
    message.add_alternative(html_part(plain), subtype="html")
    return message


def _one_line(value: str) -> str:
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())
