"""Cards for each support plan's Lark group: pure functions of neutral views and a translator.

Create-and-follow groups (Enterprise) open requests by @mention and follow them through update
cards; their thread replies stay in Lark, and the person replying is told so once, privately. These
are the cards that say so; two-way groups (Premium) keep the cards in `cards.py`.
"""

from __future__ import annotations

from assistdesk.i18n import Translator, words
from assistdesk.platforms.lark.cards import (
    MAX_SHOWN,
    MAX_TITLE,
    Card,
    CommentLike,
    TicketView,
    card,
    div,
    link_button,
    notice,
    shorten,
    status_tag,
)


def _not_synced(_: Translator, *, plan: str, upgrade: str) -> list[str]:
    return [
        _("Replies in this thread don't reach support on the {plan} plan.", plan=words.plan(_, plan)),
        _("To add to the request, reply on its page."),
        _("Two-way replies in Lark come with the {upgrade} plan.", upgrade=words.plan(_, upgrade)),
    ]


def reply_hint(_: Translator, ticket: TicketView, *, plan: str, upgrade: str) -> Card:
    """Shown once per thread and person, to them only: their reply was not added to the request."""
    return notice(
        _("Your reply was not sent to support"),
        _not_synced(_, plan=plan, upgrade=upgrade),
        button=(_("Reply on {key}", key=ticket.key), ticket.url),
        template="orange",
    )


def pointer(_: Translator, ticket: TicketView, *, plan: str, upgrade: str) -> Card:
    """A mention inside a ticket's thread on a create-and-follow plan: no second request."""
    lines = [_("This thread follows {key}: {title}", key=ticket.key, title=shorten(ticket.title, 100))]
    return notice(
        _("This thread already has a request"),
        lines + _not_synced(_, plan=plan, upgrade=upgrade),
        button=(_("Reply on {key}", key=ticket.key), ticket.url),
    )


def follow_help(_: Translator, *, organization: str, plan: str, features_url: str) -> Card:
    """`@bot help` in a create-and-follow group: what the plan allows and how to ask for more."""
    return notice(
        _("How to get help here"),
        [
            _("Mention me with a description of the problem: I will show you a form to open a request."),
            _("The request's link is replied in the thread; updates from support appear there."),
            _(
                "On {org}'s {plan} plan, replies in the thread don't reach support: reply on the "
                "request's page.",
                org=organization,
                plan=words.plan(_, plan),
            ),
            _("Two-way replies in Lark come with the {upgrade} plan.", upgrade=words.plan(_, "premium")),
        ],
        button=(_("Chat features"), features_url),
    )


def follow_confirmation(_: Translator, ticket: TicketView) -> Card:
    """The ticket link, replied in the thread of the mention, on a create-and-follow plan."""
    return card(
        _("Request {key} opened", key=ticket.key),
        [
            div(shorten(ticket.title, MAX_TITLE)),
            div(_("Severity: {severity}", severity=words.severity(_, ticket.severity))),
            div(_("Updates from support appear in this thread; reply on the request's page.")),
            link_button(_("View request"), ticket.url),
        ],
        template="green",
        text_tag_list=[status_tag(_, ticket.status)],
    )


def status_update(
    _: Translator, ticket: TicketView, *, old_status: str, by: str, latest: CommentLike | None
) -> Card:
    """A status change on a create-and-follow plan: title, link, the change and the latest reply
    from support."""
    change = _(
        "{name} changed the status from {old} to {new}.",
        name=by,
        old=words.status(_, old_status),
        new=words.status(_, ticket.status),
    )
    elements = [div(shorten(ticket.title, MAX_TITLE)), div(change)]
    if latest is not None:
        elements.append(div(_("Latest comment from {name}:", name=latest.author_name)))
        elements.append(div(shorten(latest.body, MAX_SHOWN)))
    elements.append(link_button(_("View request"), ticket.url))
    return card(
        _("Update on {key}", key=ticket.key),
        elements,
        template="green" if ticket.status in ("resolved", "closed") else "blue",
        text_tag_list=[status_tag(_, ticket.status)],
    )
