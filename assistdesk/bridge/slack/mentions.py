"""The private answers to @mentions and to replies a plan does not sync, delivered from the outbox.

An @mention is answered by its author's profile language with: the request prompt (the text quoted
and *Raise request*, whose button opens the same form as 🎫), help for `@bot help`, a pointer to the
ticket when written inside a ticket's thread, or why requests cannot be opened here. A reply in a
create-and-follow thread gets one hint (bridge.slack.inbound decided that, at the event). What the
plan allows is read again here, at delivery, so the answer names the plan as it is now.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from assistdesk.bridge import chat, views
from assistdesk.bridge.chat import ChatPerson, Entitlement
from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.inbound import HELP_WORDS, refusal_of
from assistdesk.bridge.slack.profiles import profile_of
from assistdesk.bridge.slack.prompts import save_draft, tracked_card
from assistdesk.db.uow import Database
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.links.places import ChatPlace
from assistdesk.domain.orgs.enums import Plan
from assistdesk.domain.tickets import service as tickets
from assistdesk.i18n import Catalogs
from assistdesk.outcomes import Outcome
from assistdesk.platforms.slack import blocks, plan_blocks
from assistdesk.platforms.slack.blocks import SlackMessage
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.ports import Credentials
from assistdesk.platforms.slack.text import to_plain

SLACK = ChatPlatform.SLACK


class MentionAnswers:
    def __init__(self, *, db: Database, api: SlackApi, catalogs: Catalogs, public_url: str) -> None:
        self._db = db
        self._api = api
        self._catalogs = catalogs
        self._public_url = public_url
        self._features_url = f"{public_url}/help/features"

    def _state(
        self, session: Session, place: ChatPlace, ticket_id: int | None
    ) -> tuple[Entitlement, views.TicketCard | None]:
        card = None
        if ticket_id is not None:
            card = views.ticket_card(
                tickets.get_ticket_by_id(session, ticket_id), public_url=self._public_url
            )
        return chat.entitlement(session, place), card

    async def hint(self, p: jobs.PrivateAnswer, credentials: Credentials) -> Outcome:
        """A reply in a thread whose plan does not sync replies: where to write instead."""
        return await self.answer(p, credentials, hint=True)

    async def answer(self, p: jobs.PrivateAnswer, credentials: Credentials, *, hint: bool = False) -> Outcome:
        place, user, token = p.place, p.user, credentials.bot_token
        thread_ts = p.thread_ts or None

        async def tell(text: str | SlackMessage) -> Outcome:
            message = text if isinstance(text, SlackMessage) else SlackMessage(text=text)
            return await self._api.post_ephemeral(
                token, channel=place.channel, user=user, message=message, thread_ts=thread_ts
            )

        profile = await profile_of(self._db, self._api, token, place.workspace, user)
        if not isinstance(profile, ChatPerson):
            return profile
        _ = self._catalogs.translator(profile.locale, "slack")
        entitlement, card = await self._db.read_async(lambda s: self._state(s, place, p.ticket_id))
        plan, upgrade = entitlement.plan or "", Plan.PREMIUM.value  # Premium adds two-way replies
        if not entitlement.allowed:  # not connected, not enabled, or below Enterprise: say why
            refused = refusal_of(entitlement, channel=place.channel, features_url=self._features_url)
            return await tell(blocks.refusal(refused, _))
        text = to_plain(p.text).strip()
        if card is not None and entitlement.interacts:  # an empty mention in a two-way thread
            return await tell(blocks.tracked(card, _))
        if card is not None and hint:
            return await tell(plan_blocks.reply_hint(card, plan=plan, upgrade=upgrade, _=_))
        if card is not None:  # a mention inside a ticket's thread: never a second ticket
            return await tell(plan_blocks.pointer(card, plan=plan, upgrade=upgrade, _=_))
        if not text or text.lower() in HELP_WORDS:
            return await tell(
                plan_blocks.help_for(
                    entitlement.mode.value,
                    organization=entitlement.organization or "",
                    plan=plan,
                    features_url=self._features_url,
                    _=_,
                )
            )
        ts = p.ts
        root = thread_ts or ts  # a mention in some thread: the ticket lives in that thread
        url = self._public_url
        tracked = await self._db.read_async(lambda s: tracked_card(s, place, root, public_url=url))
        if tracked is not None:
            return await tell(blocks.tracked(tracked, _))
        draft_id = await self._db.run_async(
            lambda uow: save_draft(
                uow,
                place=place,
                message_ts=ts,
                thread_ts=root,
                user=user,
                text=text,
                permalink=None,
                profile=profile,
            ),
        )
        return await tell(plan_blocks.mention_prompt(text, str(draft_id), _))
