"""Cards the bot shows, in card JSON 2.0: pure functions of neutral views and a translator.

Lark rejects attributes a component does not define (JSON 2.0), so only documented field names
appear here: structure https://open.feishu.cn/document/feishu-cards/card-json-v2-structure, components
`form`, `input`, `select_static`, `button` (with `form_action_type` and `behaviors`), `div` with
`plain_text`, `markdown`. Text written by people (titles, comments, names) only ever goes into
`plain_text`, which Lark shows literally: no markdown, no links, no `<at>` mentions from user input.
Ephemeral cards cannot carry per-component translations, so every card is rendered in one locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from assistdesk.i18n import Translator, words

Card = dict[str, Any]
SEVERITIES = ("S1", "S2", "S3", "S4")
DEFAULT_SEVERITY = "S3"
FORM_NAME = "request_form"
SUBMIT_BUTTON = "submit_request"
CANCEL_BUTTON = "cancel_request"
MAX_INPUT = 1000  # input.max_length is at most 1,000
MAX_TITLE = 255
MAX_SHOWN = 2000  # comments longer than this are cut; the link shows the rest


class TicketView(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def url(self) -> str: ...


class CommentLike(Protocol):
    @property
    def author_name(self) -> str: ...
    @property
    def body(self) -> str: ...


@dataclass(frozen=True)
class FormPrefill:
    reporter_email: str = ""
    title: str = ""
    description: str = ""


# Building blocks -----------------------------------------------------------------------------


def text(content: str) -> dict[str, str]:
    return {"tag": "plain_text", "content": content}


def div(content: str) -> dict[str, Any]:
    return {"tag": "div", "text": text(content)}


def markdown(content: str) -> dict[str, Any]:
    """Only for our own wording: never pass text written by people."""
    return {"tag": "markdown", "content": content}


def link_button(label: str, url: str) -> dict[str, Any]:
    return {
        "tag": "button",
        "type": "default",
        "text": text(label),
        "behaviors": [{"type": "open_url", "default_url": url}],
    }


def card(header_title: str, elements: list[dict[str, Any]], *, template: str = "blue", **head: Any) -> Card:
    header: dict[str, Any] = {"title": text(header_title), "template": template, **head}
    return {
        "schema": "2.0",
        "config": {"update_multi": True},
        "header": header,
        "body": {"elements": elements},
    }


def shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def status_tag(_: Translator, status: str) -> dict[str, Any]:
    colour = {"resolved": "green", "closed": "neutral", "waiting_on_customer": "orange"}.get(status, "blue")
    return {"tag": "text_tag", "text": text(words.status(_, status)), "color": colour}


# The request form ----------------------------------------------------------------------------


def request_form(_: Translator, prefill: FormPrefill, *, callback: dict[str, Any]) -> Card:
    """The ephemeral form a mention opens. `callback` travels back in the submit (and cancel)
    callback's `action.value`: object values only (lark-oapi reads nothing else)."""
    reporter: dict[str, Any] = {
        "tag": "input",
        "name": "reporter",
        "required": True,
        "label": text(_("Reporter email")),
        "placeholder": text(_("The email you use for the console")),
        "max_length": 320,
    }
    if prefill.reporter_email:
        reporter["default_value"] = prefill.reporter_email
    title: dict[str, Any] = {
        "tag": "input",
        "name": "title",
        "required": True,
        "label": text(_("Title")),
        "placeholder": text(_("A short summary of the problem")),
        "max_length": MAX_TITLE,
    }
    if prefill.title:
        title["default_value"] = shorten(prefill.title, MAX_TITLE)
    description: dict[str, Any] = {
        "tag": "input",
        "name": "description",
        "required": False,
        "input_type": "multiline_text",
        "label": text(_("Description")),
        "placeholder": text(_("What happened, and what did you expect?")),
        "max_length": MAX_INPUT,
    }
    if prefill.description:
        description["default_value"] = shorten(prefill.description, MAX_INPUT)
    severity = {
        "tag": "select_static",
        "name": "severity",
        "required": True,
        "placeholder": text(_("Severity")),
        "initial_option": DEFAULT_SEVERITY,
        "options": [{"text": text(words.severity(_, s)), "value": s} for s in SEVERITIES],
    }
    submit = {
        "tag": "button",
        "name": SUBMIT_BUTTON,
        "type": "primary",
        "text": text(_("Submit")),
        "form_action_type": "submit",
        "behaviors": [{"type": "callback", "value": {**callback, "action": "submit"}}],
    }
    cancel = {
        "tag": "button",
        "name": CANCEL_BUTTON,
        "type": "default",
        "text": text(_("Cancel")),
        "behaviors": [{"type": "callback", "value": {**callback, "action": "cancel"}}],
    }
    form = {
        "tag": "form",
        "name": FORM_NAME,
        "elements": [reporter, title, description, markdown(f"**{_('Severity')}**"), severity, submit],
    }
    note = _(
        "The reporter email must be the email address you use for the vendor's console: "
        "the request is filed under that account."
    )
    return card(
        _("Open a support request"),
        [div(note), form, cancel],
        subtitle=text(_("Only you can see this card")),
    )


def submitted(_: Translator, ticket: TicketView) -> Card:
    """Replaces the form once the request exists (the callback's answer)."""
    return card(
        _("Request {key} submitted", key=ticket.key),
        [
            div(ticket.title),
            div(_("The link is also in the thread.")),
            link_button(_("View request"), ticket.url),
        ],
        template="green",
    )


# Notices only the asker sees -------------------------------------------------------------------


def notice(
    heading: str, lines: list[str], *, button: tuple[str, str] | None = None, template: str = "blue"
) -> Card:
    elements: list[dict[str, Any]] = [div(line) for line in lines]
    if button is not None:
        elements.append(link_button(*button))
    return card(heading, elements, template=template)


def help_card(_: Translator, *, examples_key: str) -> Card:
    return notice(
        _("How to get help here"),
        [
            _("Mention me with a description of the problem: I will show you a form to open a request."),
            _("Reply in a request's thread to add a comment; the support team's answers appear there."),
            _("@bot help: this message."),
            _("@bot status {key}: the status of a request of this group's organization.", key=examples_key),
        ],
    )


def status_card(_: Translator, ticket: TicketView) -> Card:
    return card(
        f"{ticket.key} · {shorten(ticket.title, 100)}",
        [
            div(_("Status: {status}", status=words.status(_, ticket.status))),
            div(_("Severity: {severity}", severity=words.severity(_, ticket.severity))),
            link_button(_("View request"), ticket.url),
        ],
        text_tag_list=[status_tag(_, ticket.status)],
    )


# Cards the group sees, in the ticket's thread ---------------------------------------------------


def confirmation(_: Translator, ticket: TicketView) -> Card:
    return card(
        _("Request {key} opened", key=ticket.key),
        [
            div(shorten(ticket.title, MAX_TITLE)),
            div(_("Severity: {severity}", severity=words.severity(_, ticket.severity))),
            div(_("Reply in this thread to add a comment; updates from the support team appear here.")),
            link_button(_("View request"), ticket.url),
        ],
        template="green",
        text_tag_list=[status_tag(_, ticket.status)],
    )


def comment_update(_: Translator, ticket: TicketView, comment: CommentLike, *, edited: bool = False) -> Card:
    said = _("{name} edited their comment:") if edited else _("{name} wrote:")
    return card(
        _("Update on {key}", key=ticket.key),
        [
            div(shorten(ticket.title, MAX_TITLE)),
            div(said.format(name=comment.author_name)),
            div(shorten(comment.body, MAX_SHOWN)),
            link_button(_("View request"), ticket.url),
        ],
        text_tag_list=[status_tag(_, ticket.status)],
    )


def comment_removed(_: Translator, ticket: TicketView) -> Card:
    return card(
        _("Update on {key}", key=ticket.key),
        [
            div(shorten(ticket.title, MAX_TITLE)),
            div(_("This comment was removed.")),
            link_button(_("View request"), ticket.url),
        ],
        template="grey",
        text_tag_list=[status_tag(_, ticket.status)],
    )


def status_update(_: Translator, ticket: TicketView, *, old_status: str, by: str) -> Card:
    change = _(
        "{name} changed the status from {old} to {new}.",
        name=by,
        old=words.status(_, old_status),
        new=words.status(_, ticket.status),
    )
    return card(
        _("Update on {key}", key=ticket.key),
        [div(shorten(ticket.title, MAX_TITLE)), div(change), link_button(_("View request"), ticket.url)],
        template="green" if ticket.status in ("resolved", "closed") else "blue",
        text_tag_list=[status_tag(_, ticket.status)],
    )


# Callback answers ---------------------------------------------------------------------------------


def toast(kind: str, content: str, translations: dict[str, str] | None = None) -> dict[str, Any]:
    """`kind`: info, success, error or warning. `translations`: Lark locale → text (en_us, ja_jp, zh_cn)."""
    value: dict[str, Any] = {"type": kind, "content": content}
    if translations:
        value["i18n"] = translations
    return value


def callback_answer(toast_: dict[str, Any] | None = None, replacement: Card | None = None) -> dict[str, Any]:
    """The body answering `card.action.trigger`; without `card` the card stays as it is."""
    answer: dict[str, Any] = {}
    if toast_ is not None:
        answer["toast"] = toast_
    if replacement is not None:
        answer["card"] = {"type": "raw", "data": replacement}
    return answer
