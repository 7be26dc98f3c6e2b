"""The request modal: rendering it, and what its validation errors say (slack.md §3.4–3.6, §11.2).

The view carries where the ticket will live in `private_metadata` (a view_submission names no
channel). Limits from Slack's block reference: title 24 characters, metadata 3,000, plain_text_input
3,000.
"""

from __future__ import annotations

import json
from typing import Any

from assistdesk.i18n import Translator, words
from assistdesk.platforms.slack.ports import FieldError, FormProblem, RequestForm
from assistdesk.platforms.slack.text import cut, escape

CALLBACK_ID = "assist_request_form"
ACTION = "value"
TITLE = "title"
DESCRIPTION = "description"
SEVERITY = "severity"
REPORTER = "reporter"
BLOCK_OF_FIELD = {
    "title": TITLE,
    "description": DESCRIPTION,
    "severity": SEVERITY,
    "reporter_email": REPORTER,
}
TITLE_MAX = 255
DESCRIPTION_MAX = 3000
SEVERITIES = ("S1", "S2", "S3", "S4")
_METADATA_MAX = 3000


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def metadata(form: RequestForm) -> str:
    data = {
        "v": 1,
        "src": form.source.value,
        "ws": form.workspace,
        "ch": form.channel,
        "ts": form.message_ts,
        "link": form.permalink,
        "loc": form.locale,
        "name": form.user_name[:80],
        "pe": form.profile_email,
    }
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(raw) > _METADATA_MAX:  # only an absurd permalink gets here; the ticket can live without it
        data["link"] = None
        raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return raw


def _option(_: Translator, severity: str) -> dict[str, Any]:
    return {"text": _plain(words.severity(_, severity)), "value": severity}


def request_modal(form: RequestForm, _: Translator) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    if form.permalink:
        blocks.append(
            {
                "type": "context",
                "block_id": "origin",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _(
                            "From <{link}|this message> in <#{channel}>",
                            link=escape(form.permalink),
                            channel=form.channel,
                        ),
                    }
                ],
            }
        )
    title: dict[str, Any] = {"type": "plain_text_input", "action_id": ACTION, "max_length": TITLE_MAX}
    if form.title:
        title["initial_value"] = cut(form.title, TITLE_MAX)
    description: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ACTION,
        "multiline": True,
        "max_length": DESCRIPTION_MAX,
    }
    if form.description:
        description["initial_value"] = cut(form.description, DESCRIPTION_MAX)
    severity = form.severity if form.severity in SEVERITIES else "S3"
    reporter: dict[str, Any] = {"type": "email_text_input", "action_id": ACTION}
    if form.reporter_email:
        reporter["initial_value"] = form.reporter_email
    blocks += [
        {"type": "input", "block_id": TITLE, "label": _plain(_("Title")), "element": title},
        {
            "type": "input",
            "block_id": DESCRIPTION,
            "optional": True,
            "label": _plain(_("Description")),
            "element": description,
        },
        {
            "type": "input",
            "block_id": SEVERITY,
            "label": _plain(_("Severity")),
            "element": {
                "type": "static_select",
                "action_id": ACTION,
                "initial_option": _option(_, severity),
                "options": [_option(_, s) for s in SEVERITIES],
            },
        },
        {
            "type": "input",
            "block_id": REPORTER,
            "label": _plain(_("Your email")),
            "hint": _plain(_("Replies reach you here; it must be registered with your organization.")),
            "element": reporter,
        },
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": _plain(cut(_("Support request"), 24)),
        "submit": _plain(cut(_("Submit"), 24)),
        "close": _plain(cut(_("Cancel"), 24)),
        "private_metadata": metadata(form),
        "blocks": blocks,
    }


def notice_modal(text: str, _: Translator) -> dict[str, Any]:
    """Replaces the form when it cannot be submitted at all (the channel lost its entitlement)."""
    return {
        "type": "modal",
        "callback_id": f"{CALLBACK_ID}_notice",
        "title": _plain(cut(_("Support request"), 24)),
        "close": _plain(cut(_("Close"), 24)),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": cut(text, 3000)}}],
    }


def error_text(error: FieldError, _: Translator) -> str:
    if error.field == "reporter_email":
        if error.problem is FormProblem.NOT_A_CONTACT:
            return _(
                "{email} is not registered with {org}. Use the email your organization gave support, "
                "or ask its admin to add you.",
                email=error.value,
                org=error.organization,
            )
        return _("Enter a valid email address.")
    if error.problem is FormProblem.EMPTY:
        return _("This field is required.")
    if error.problem is FormProblem.TOO_LONG:
        return _("This is too long.")
    return _("Choose one of the options.") if error.field == "severity" else _("This value is not valid.")


def errors_by_block(errors: tuple[FieldError, ...], _: Translator) -> dict[str, str]:
    """`response_action: errors` is keyed by input block_id (slack.md §3.6)."""
    shown: dict[str, str] = {}
    for error in errors:
        block = BLOCK_OF_FIELD.get(error.field, TITLE)
        shown.setdefault(block, error_text(error, _))
    return shown
