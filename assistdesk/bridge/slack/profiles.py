"""Who a Slack user is (a `ChatPerson`): name, email and locale, from our records or users.info.

users.info needs users:read.email for the email, and Slack Connect users may hide theirs or be
invisible altogether (slack.md §7.2): those people are still served, by name, without an email.
A profile is looked up at most once a day per person.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from assistdesk.bridge.chat import ChatPerson
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.outcomes import PermanentFailure
from assistdesk.platforms.slack.answers import UserInfo
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.errors import Failed

FRESH_FOR = timedelta(days=1)
SLACK = ChatPlatform.SLACK.value


def _known(session: Session, workspace: str, user: str) -> tuple[ChatPerson | None, bool]:
    """The stored profile, and whether it is recent enough to use as is."""
    identity = links.find_identity(session, platform=SLACK, workspace=workspace, user_id=user)
    if identity is None or not identity.display_name:
        return None, False
    profile = ChatPerson(user, identity.display_name, identity.email, identity.locale)
    return profile, utcnow() - identity.updated_at < FRESH_FOR


async def profile_of(
    db: Database, api: SlackApi, token: str, workspace: str, user: str
) -> ChatPerson | Failed:
    known, fresh = await db.read_async(lambda s: _known(s, workspace, user))
    if known is not None and fresh:
        return known
    answer = await api.user_info(token, user=user)
    if isinstance(answer, UserInfo):
        return ChatPerson(user, answer.name_or(user), answer.email, answer.locale)
    if isinstance(answer, PermanentFailure):  # hidden or unknown: served by what we have
        return known or ChatPerson(user, user)
    return answer
