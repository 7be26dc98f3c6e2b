"""Block Kit messages, as pure functions of view-models and a translator (slack.md §11).

Every message has a `text` too: notifications and screen readers use it. Everything a person wrote
is escaped (`text.escape`), so it cannot mention `@channel` or break the markup. Limits that shape
these functions: section text 3,000 characters; chat.update text 4,000 (msg_too_long).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistdesk.i18n import Translator, words
from assistdesk.i18n.words import N_
from assistdesk.platforms.slack.ports import Access, CardView, CommentLike, Refusal
from assistdesk.platforms.slack.text import cut, escape, quote

OPEN_FORM_ACTION = "assist_open_request_form"
VIEW_TICKET_ACTION = "assist_view_request"
EXCERPT_MAX = 500
COMMENT_MAX = 3800  # under chat.update's 4,000 so that an edited comment still fits
FEATURE_STATES = {
    "off": N_("off"),
    "requested": N_("requested"),
    "enabled": N_("enabled"),
    "suspended": N_("suspended"),
}


@dataclass(frozen=True)
class SlackMessage:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks} if self.blocks else {"text": self.text}


def _section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, 3000)}}
    if block_id:
        block["block_id"] = block_id
    return block


def _link(card: CardView) -> str:
    return f"<{escape(card.url)}|{escape(card.key)}>"


def prompt(excerpt: str, draft_ref: str, _: Translator) -> SlackMessage:
    """The 🎫 answer, visible to the reactor only: an excerpt and the button that opens the form."""
    return request_prompt(
        _("Turn this message into a support request?"), _("Submit request"), excerpt, draft_ref
    )


def request_prompt(question: str, button: str, excerpt: str, draft_ref: str) -> SlackMessage:
    """A private question over the quoted message and one button that opens the request form (the
    🎫 prompt and the @mention prompt differ only in their words)."""
    shown = quote(escape(cut(excerpt.strip(), EXCERPT_MAX))) if excerpt.strip() else ""
    return SlackMessage(
        text=question,
        blocks=[
            _section(f"{question}\n{shown}".rstrip(), "prompt"),
            {
                "type": "actions",
                "block_id": "prompt_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": OPEN_FORM_ACTION,
                        "style": "primary",
                        "text": {"type": "plain_text", "text": cut(button, 75)},
                        "value": draft_ref,
                    }
                ],
            },
        ],
    )


def tracked(card: CardView, _: Translator) -> SlackMessage:
    text = _(
        ":ticket: This is already tracked as {link}: {title} ({status}).",
        link=_link(card),
        title=escape(card.title),
        status=words.status(_, card.status),
    )
    return SlackMessage(text=text, blocks=[_section(text, "tracked")])


def ticket_card(
    card: CardView, _: Translator, *, with_reporter: bool = False, follow: bool = False
) -> SlackMessage:
    """The confirmation (or the `/assist` root post), edited in place on every status change.
    `follow`: a create-and-follow plan, whose thread replies are not added to the request."""
    status = words.status(_, card.status)
    severity = words.severity(_, card.severity)
    status_label, severity_label, reporter_label = _("Status"), _("Severity"), _("Reporter")
    fields = [
        {"type": "mrkdwn", "text": f"*{status_label}*\n{status}"},
        {"type": "mrkdwn", "text": f"*{severity_label}*\n{severity}"},
    ]
    if with_reporter:
        reporter = escape(card.reporter_name or card.reporter_email)
        fields.append({"type": "mrkdwn", "text": f"*{reporter_label}*\n{reporter}"})
    headline = _(":ticket: Request {link} created: {title}", link=_link(card), title=escape(card.title))
    return SlackMessage(
        text=_(
            "Request {key} created: {title} (status: {status}) {url}",
            key=card.key,
            title=escape(card.title),
            status=status,
            url=escape(card.url),
        ),
        blocks=[
            {
                **_section(headline, "card"),
                "accessory": {
                    "type": "button",
                    "action_id": VIEW_TICKET_ACTION,
                    "text": {"type": "plain_text", "text": cut(_("View request"), 75)},
                    "url": card.url,
                },
            },
            {"type": "section", "block_id": "card_fields", "fields": fields},
            {
                "type": "context",
                "block_id": "card_hint",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _("Updates from support appear in this thread; reply on the request's page.")
                        if follow
                        else _("Replies in this thread are added to the request."),
                    }
                ],
            },
        ],
    )


def author_label(view: CommentLike) -> str:
    """The name a comment is posted under (Slack's `username` allows 80 characters)."""
    return cut(view.author_name, 80)


def comment(view: CommentLike, card: CardView, _: Translator, *, as_author: bool) -> SlackMessage:
    """A ticket comment for the thread. With chat:write.customize it is posted under the author's
    name (`as_author`); without, the name leads the text. Long comments are cut with a link to the
    ticket rather than refused by Slack."""
    body = escape(view.body)
    lead = "" if as_author else f"*{escape(author_label(view))}*: "
    tail = "\n" + _("_(cut here: read the whole comment on {link})_", link=_link(card))
    room = COMMENT_MAX - len(lead)
    text = lead + body if len(body) <= room else lead + cut(body, room - len(tail)) + tail
    return SlackMessage(text=text)


def status_note(old: str, new: str, actor: str, _: Translator) -> SlackMessage:
    text = _(
        ":arrows_counterclockwise: Status changed from {old} to {new} by {actor}.",
        old=words.status(_, old),
        new=words.status(_, new),
        actor=escape(actor),
    )
    return SlackMessage(text=text)


def refusal(refused: Refusal, _: Translator) -> str:
    """Why no request can be opened here, and how to get it: the plan needed and where to ask."""
    url = escape(refused.features_url)
    if refused.access is Access.NOT_CONNECTED:
        return _(
            "This channel is not connected to a support organization, so requests cannot be opened "
            "here. Ask your organization's admin to have it connected (channel ID {channel}); "
            "chat features are described at {url}.",
            channel=refused.channel,
            url=url,
        )
    org = escape(refused.organization or "")
    needed = words.plan(_, refused.required_plan or "")
    if refused.access is Access.CREATE_ONLY:
        return _(
            ":ticket: and /assist come with the {upgrade} plan; {org} is on the {plan} plan. To open a "
            "request here, mention me with a description of the problem. Your organization's admin can "
            "ask for more at {url}.",
            upgrade=words.plan(_, "premium"),
            org=org,
            plan=words.plan(_, refused.plan or ""),
            url=url,
        )
    if refused.access is Access.PLAN_TOO_LOW:
        return _(
            "Support requests from Slack need the {needed} plan; {org} is on {plan}. "
            "Your organization's admin can ask for an upgrade at {url}.",
            needed=needed,
            org=org,
            plan=words.plan(_, refused.plan or ""),
            url=url,
        )
    return _(
        "Support requests from Slack are included in {org}'s {needed} plan but are not switched on "
        "(currently: {state}). Your organization's admin can ask for them at {url}.",
        org=org,
        needed=words.plan(_, refused.plan or refused.required_plan or ""),
        state=_(FEATURE_STATES.get(refused.feature_state or "off", refused.feature_state or "off")),
        url=url,
    )


def help_text(_: Translator) -> str:
    return _(
        "*Two ways to open a support request from Slack:*\n"
        "• React to any message with :ticket: and press *Submit request*: the request is discussed in "
        "that message's thread.\n"
        "• Type `/assist` or `/assist what went wrong` in the channel: the app posts the request, and "
        "its thread becomes the place to discuss it.\n"
        "Replies in a request's thread are added to it, and support's answers appear there. "
        "Slack does not run slash commands inside threads, so use `/assist` in the channel itself."
    )


def problem(reason: str, _: Translator) -> str:
    return _("Sorry, the request form could not be opened ({reason}). Please try again.", reason=reason)


def reply_text(reply_text: str) -> dict[str, Any]:
    """An ephemeral answer in the ack body or through chat.postEphemeral."""
    return {"response_type": "ephemeral", "text": reply_text}
