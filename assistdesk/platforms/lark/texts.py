"""The bot's answers to what people do in a group: notices only the asker sees, and the words of the
request form's toasts and refusals. Pure functions of neutral values and a translator, like cards.py
(which draws the cards the group sees); the bridge decides which answer is due, this says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistdesk.i18n import Translator, words
from assistdesk.i18n.words import N_
from assistdesk.platforms.lark.cards import Card, TicketView, notice

# Toasts: marked here, translated into every language Lark may pick from when the toast is built.
CANCELLED = N_("Cancelled.")
FAILED = N_("Something went wrong. Please try again.")
CREATED = N_("Request {key} created.")
ALREADY_OPEN = N_("This conversation is already request {key}.")

FIELD_LABELS = {
    "reporter_email": N_("Reporter email"),
    "title": N_("Title"),
    "description": N_("Description"),
    "severity": N_("Severity"),
}

# Why requests cannot be opened from a group (the `access` of the bridge's entitlement).
NOT_CONNECTED = "not_connected"
PLAN_TOO_LOW = "plan_too_low"


@dataclass(frozen=True)
class Unavailable:
    """Why the request form is not offered in a group, as the answer needs it."""

    reason: str  # not_connected, plan_too_low, not_enabled
    organization: str = ""
    plan: str = ""
    required_plan: str = ""
    feature_state: str = ""  # off, requested, enabled, suspended


def unavailable(_: Translator, why: Unavailable, *, features_url: str) -> Card:
    """Why the form is not offered here, and what to do about it."""
    if why.reason == NOT_CONNECTED:
        return notice(
            _("This group is not connected to support"),
            [_("Ask your vendor's support team to connect this group, then mention me again.")],
            template="orange",
        )
    org = why.organization
    if why.reason == PLAN_TOO_LOW:
        lines = [
            _(
                "Opening requests from Lark is included in the {required} plan and above; "
                "{org} is on the {plan} plan.",
                required=words.plan(_, why.required_plan),
                org=org,
                plan=words.plan(_, why.plan),
            ),
            _("The chat features page explains how to ask for it."),
        ]
    elif why.feature_state == "requested":
        lines = [
            _("{org} has asked for Lark requests; the support team has not switched them on yet.", org=org)
        ]
    elif why.feature_state == "suspended":
        lines = [_("Lark requests are suspended for {org}. Please contact the support team.", org=org)]
    else:
        lines = [
            _("{org}'s plan includes Lark requests, but they are not switched on yet.", org=org),
            _("The chat features page explains how to ask for it."),
        ]
    lines.append(_("Meanwhile you can open requests in the help center."))
    return notice(
        _("Requests from Lark are not available here"),
        lines,
        button=(_("Chat features"), features_url),
        template="orange",
    )


def reply_to_closed(_: Translator, ticket: TicketView) -> Card:
    """A reply in the thread of a closed request: not added, and what to do instead."""
    return notice(
        _("{key} is closed", key=ticket.key),
        [_("Your reply was not added. Mention me in the group to open a new request.")],
        button=(_("View request"), ticket.url),
        template="grey",
    )


def which_request(_: Translator, *, example_key: str) -> Card:
    """`@bot status` without a key."""
    return notice(
        _("Which request?"), [_("Write the request's key, for example: @bot status {key}", key=example_key)]
    )


def no_request(_: Translator, *, key: str) -> Card:
    """The same answer whether the key does not exist, belongs to another organization, or is one
    the asker may not see (someone else's request, not raised in this group)."""
    return notice(
        _("No request {key} here", key=key),
        [_("This group's organization has no request {key}.", key=key)],
    )


def invalid_email(_: Translator) -> str:
    return _("{field}: enter a valid email address.", field=_("Reporter email"))


def not_available_for_group(_: Translator) -> str:
    return _("Requests from Lark are not available for this group.")


def refusal(_: Translator, *, field: str | None, message: str, email: str) -> str:
    """The toast for a refused form: the field's label first, then what to do."""
    name = field or ""
    label = _(FIELD_LABELS[name]) if name in FIELD_LABELS else _("Request")
    if name == "reporter_email":
        return _(
            "{field}: {email} is not registered for this group's organization. "
            "Use the email address you use for the vendor's console.",
            field=label,
            email=email,
        )
    if name == "title":
        return _("{field}: write a short summary (at most 255 characters).", field=label)
    return f"{label}: {message}"
