"""The answer to a 🎫 reaction, delivered from the outbox (never on the ack path).

reaction_added carries no text (slack.md §1.4), so this is where the Web API is asked for the message
(reactions.get) and the reactor's profile (users.info: email, name, locale). Both are stored as a
draft before the prompt is posted: the prompt's button must open the form within the trigger's 3
seconds, without asking Slack again.

Checked again at delivery time, because things change while the job waits: whether the channel may
open requests, and whether the message (or its thread) has a ticket by now; then the reactor is
shown that ticket instead of a second prompt.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge import chat, views
from assistdesk.bridge.chat import ChatPerson
from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.inbound import refusal_of
from assistdesk.bridge.slack.models import SlackDraft
from assistdesk.bridge.slack.profiles import profile_of
from assistdesk.db.base import table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.tickets import service as tickets
from assistdesk.i18n import Catalogs
from assistdesk.outcomes import Outcome
from assistdesk.platforms.slack import blocks
from assistdesk.platforms.slack.answers import ReactedMessage
from assistdesk.platforms.slack.blocks import SlackMessage
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.ports import Credentials
from assistdesk.platforms.slack.text import to_plain

SLACK = ChatPlatform.SLACK


class PromptMaker:
    def __init__(self, *, db: Database, api: SlackApi, catalogs: Catalogs, public_url: str) -> None:
        self._db = db
        self._api = api
        self._catalogs = catalogs
        self._public_url = public_url
        self._features_url = f"{public_url}/help/features"

    async def answer(self, p: jobs.PrivateAnswer, credentials: Credentials) -> Outcome:
        place, user, ts, token = p.place, p.user, p.ts, credentials.bot_token

        async def tell(message: SlackMessage, thread_ts: str | None = None) -> Outcome:
            return await self._api.post_ephemeral(
                token, channel=place.channel, user=user, message=message, thread_ts=thread_ts
            )

        profile = await profile_of(self._db, self._api, token, place.workspace, user)
        if not isinstance(profile, ChatPerson):
            return profile
        _ = self._catalogs.translator(profile.locale, "slack")
        entitlement = await self._db.read_async(lambda s: chat.entitlement(s, place))
        if not entitlement.interacts:  # 🎫 comes with two-way plans; create-and-follow is told so
            refused = refusal_of(entitlement, channel=place.channel, features_url=self._features_url)
            return await tell(SlackMessage(text=blocks.refusal(refused, _)))
        found = await self._api.reacted_message(token, channel=place.channel, ts=ts)
        if not isinstance(found, ReactedMessage):
            return found
        root = found.message.thread_ts or ts  # a reply's request lives in its thread
        in_thread = root if root != ts else None
        url = self._public_url
        tracked = await self._db.read_async(lambda s: tracked_card(s, place, root, public_url=url))
        if tracked is not None:
            return await tell(blocks.tracked(tracked, _), in_thread)
        text, permalink = to_plain(found.text), found.link
        draft_id = await self._db.run_async(
            lambda uow: save_draft(
                uow,
                place=place,
                message_ts=ts,
                thread_ts=root,
                user=user,
                text=text,
                permalink=permalink or None,
                profile=profile,
            ),
        )
        return await tell(blocks.prompt(text, str(draft_id), _), in_thread)


def tracked_card(
    session: Session, place: ChatPlace, root: str, *, public_url: str
) -> views.TicketCard | None:
    """The card of the ticket whose thread hangs off `root`, if any: shown instead of a new prompt."""
    ref = chat.ticket_at(session, place, root, public_url=public_url)
    if ref is None:
        return None
    return views.ticket_card(tickets.get_ticket_by_id(session, ref.ticket_id), public_url=public_url)


def save_draft(
    uow: UnitOfWork,
    *,
    place: ChatPlace,
    message_ts: str,
    thread_ts: str,
    user: str,
    text: str,
    permalink: str | None,
    profile: ChatPerson,
) -> int:
    """One draft per (message, reactor): a second 🎫 from the same person refreshes it."""
    session = uow.session
    key = (
        SlackDraft.workspace == place.workspace,
        SlackDraft.channel == place.channel,
        SlackDraft.message_ts == message_ts,
        SlackDraft.user_id == user,
    )
    insert_ignore(
        session,
        table_of(SlackDraft),
        {
            "workspace": place.workspace,
            "channel": place.channel,
            "message_ts": message_ts,
            "thread_ts": thread_ts,
            "user_id": user,
            "text": "",
            "display_name": "",
        },
    )
    draft = session.scalars(select(SlackDraft).where(*key)).one()
    draft.thread_ts = thread_ts
    draft.text = text
    draft.permalink = permalink[:2000] if permalink else None
    draft.email = profile.email
    draft.display_name = profile.display_name[:200]
    draft.locale = profile.locale
    links.upsert_identity(
        uow,
        platform=SLACK.value,
        workspace=place.workspace,
        user_id=user,
        display_name=profile.display_name,
        email=profile.email,
        locale=profile.locale,
    )
    session.flush()
    return draft.id
