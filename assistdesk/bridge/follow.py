"""What a ticket's chat threads are told, by the plan of the ticket's organization at that moment.

Two-way threads (Premium) get support's replies under the engineer's name and the live status;
create-and-follow threads (Enterprise) get one update per public reply from support or status
change: the title, the link and the latest comment. Shared by the Slack and Lark outbound paths, so
both platforms follow the same row of the plan page.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge.views import CommentView, comment_view
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.orgs.entitlements import channel_mode
from assistdesk.domain.orgs.enums import ChatMode, Feature
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.models import Comment

_FEATURE = {ChatPlatform.SLACK.value: Feature.SLACK, ChatPlatform.LARK.value: Feature.LARK}
AGENT = "agent"


def mode_for_ticket(session: Session, *, ticket_id: int, platform: str) -> ChatMode:
    """What the ticket's organization's channels on `platform` may do now."""
    ticket = tickets.get_ticket_by_id(session, ticket_id)
    return channel_mode(ticket.organization, _FEATURE[platform])


def latest_from_support(session: Session, *, ticket_id: int) -> CommentView | None:
    """The newest public comment written by an agent, not deleted: what an update shows."""
    comment = session.scalars(
        select(Comment)
        .where(
            Comment.ticket_id == ticket_id,
            Comment.public.is_(True),
            Comment.author_kind == AGENT,
            Comment.deleted_at.is_(None),
        )
        .order_by(Comment.id.desc())
        .limit(1)
    ).first()
    return comment_view(comment) if comment is not None else None
