"""What each support plan's Slack channel is told, as pure functions of view-models (slack.md §11).

Create-and-follow channels (Enterprise) open requests by @mention and follow them through updates;
two-way channels (Premium) also sync replies and take 🎫 and /assist. These are the private answers
that explain the difference at the moment it matters, and the update a create-and-follow thread
gets. Everything a person wrote is escaped.
"""

from __future__ import annotations

from typing import Any

from assistdesk.i18n import Translator, words
from assistdesk.platforms.slack.blocks import SlackMessage, _link, _section, request_prompt
from assistdesk.platforms.slack.ports import CardView, CommentLike
from assistdesk.platforms.slack.text import cut, escape, quote

UPDATE_COMMENT_MAX = 2500


def mention_prompt(excerpt: str, draft_ref: str, _: Translator) -> SlackMessage:
    """The answer to an @mention, visible to its author only: the text quoted and *Raise request*."""
    return request_prompt(_("Raise a support request about this?"), _("Raise request"), excerpt, draft_ref)


def reply_hint(card: CardView, *, plan: str, upgrade: str, _: Translator) -> str:
    """Told once per thread and person: their reply stays in Slack; where to reply instead."""
    return _(
        "Replies in this thread don't reach support on the {plan} plan. To add to {link}, reply on "
        "the request's page: {url}. Two-way replies in Slack come with the {upgrade} plan.",
        plan=words.plan(_, plan),
        link=_link(card),
        url=escape(card.url),
        upgrade=words.plan(_, upgrade),
    )


def pointer(card: CardView, *, plan: str, upgrade: str, _: Translator) -> str:
    """An @mention inside a ticket's thread on a create-and-follow plan: no second ticket."""
    tracked = _(
        ":ticket: This thread follows {link}: {title} ({status}).",
        link=_link(card),
        title=escape(card.title),
        status=words.status(_, card.status),
    )
    return f"{tracked} {reply_hint(card, plan=plan, upgrade=upgrade, _=_)}"


def follow_update(
    card: CardView,
    comment: CommentLike | None,
    _: Translator,
    *,
    status_change: tuple[str, str, str] | None = None,
) -> SlackMessage:
    """Create-and-follow: an update in the ticket's thread with its title, link, status and the
    latest public comment from support. `status_change`: (old, new, by whom)."""
    headline = _(":bell: Update on {link}: {title}", link=_link(card), title=escape(card.title))
    lines = [headline]
    if status_change is not None:
        old, new, actor = status_change
        lines.append(
            _(
                "{actor} changed the status from {old} to {new}.",
                actor=escape(actor),
                old=words.status(_, old),
                new=words.status(_, new),
            )
        )
    else:
        lines.append(_("Status: {status}", status=words.status(_, card.status)))
    blocks: list[dict[str, Any]] = [_section("\n".join(lines), "update")]
    if comment is not None:
        said = _("Latest comment from {name}:", name=escape(comment.author_name))
        body = quote(escape(cut(comment.body, UPDATE_COMMENT_MAX)))
        blocks.append(_section(f"*{said}*\n{body}", "update_comment"))
    blocks.append(
        {
            "type": "context",
            "block_id": "update_hint",
            "elements": [
                {"type": "mrkdwn", "text": _("Reply on the request's page: {url}", url=escape(card.url))}
            ],
        }
    )
    text = _("Update on {key}: {title} {url}", key=card.key, title=escape(card.title), url=escape(card.url))
    return SlackMessage(text=text, blocks=blocks)


def help_for(mode: str, *, organization: str, plan: str, features_url: str, _: Translator) -> str:
    """`@bot help`: what this channel's plan allows, and how to ask for more."""
    if mode == "interact":
        return _(
            "*Open a support request from Slack:* mention me with a description of the problem and "
            "press *Raise request*, react to any message with :ticket:, or type `/assist` in the "
            "channel. The request's link is replied in the thread; replies there are added to the "
            "request, and support's answers appear there."
        )
    return _(
        "*Open a support request from Slack:* mention me with a description of the problem and press "
        "*Raise request*. The request's link is replied in the thread, and an update appears there "
        "whenever support replies or the status changes. On {org}'s {plan} plan, replies in the thread "
        "don't reach support: reply on the request's page. Two-way replies, :ticket: and /assist come "
        "with the {upgrade} plan; your organization's admin can ask at {url}.",
        org=escape(organization),
        plan=words.plan(_, plan),
        upgrade=words.plan(_, "premium"),
        url=escape(features_url),
    )
