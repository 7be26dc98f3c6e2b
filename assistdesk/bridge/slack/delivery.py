"""Delivering the `slack` channel's jobs: what the app posts, edits and deletes in Slack channels.

Thread state (the root ts of an `/assist` post, the confirmation to edit) is read when a job is
delivered, not when it was enqueued: jobs of one channel are delivered in order, so a comment
enqueued before the root post was delivered still finds the root. What Slack answers is recorded in
`after_delivery`, in the transaction that marks the job delivered: the ids of our own messages, by
which their echoes are recognised (loop prevention by identity).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from assistdesk.bridge.slack import failures, jobs
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.mentions import MentionAnswers
from assistdesk.bridge.slack.prompts import PromptMaker
from assistdesk.bridge.views import CommentView, TicketCard
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import Direction, TicketThread
from assistdesk.domain.links.places import ChatPlace
from assistdesk.i18n import Catalogs, Translator
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure
from assistdesk.platforms.slack import blocks, plan_blocks
from assistdesk.platforms.slack.blocks import SlackMessage
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.errors import code_of
from assistdesk.platforms.slack.ports import Credentials

CUSTOMIZE = "chat:write.customize"


Handler = Callable[[Job], Awaitable[Outcome]]
P = TypeVar("P", bound=jobs.ThreadJob)


@dataclass(frozen=True)
class _Thread:
    id: int
    ticket_id: int
    workspace: str
    channel: str
    root: str | None
    confirmation: str | None
    locale: str | None

    @classmethod
    def known(cls, thread_id: int, state: jobs.ThreadState) -> _Thread:
        return cls(
            thread_id,
            state.ticket_id,
            state.workspace,
            state.channel,
            state.thread_root,
            state.confirmation,
            state.locale,
        )

    @classmethod
    def of(cls, thread: TicketThread) -> _Thread:
        return cls(
            thread.id,
            thread.ticket_id,
            thread.workspace,
            thread.channel,
            thread.thread_root,
            thread.confirmation_message,
            thread.locale,
        )


class SlackDelivery:
    def __init__(
        self,
        *,
        db: Database,
        api: SlackApi,
        installations: Installations,
        catalogs: Catalogs,
        public_url: str,
    ) -> None:
        self._db = db
        self._api = api
        self._installations = installations
        self._catalogs = catalogs
        prompts = PromptMaker(db=db, api=api, catalogs=catalogs, public_url=public_url)
        mentions = MentionAnswers(db=db, api=api, catalogs=catalogs, public_url=public_url)
        self._kinds: dict[str, Handler] = {
            jobs.REACTION: self._private(prompts.answer),
            jobs.MENTION: self._private(mentions.answer),
            jobs.HINT: self._private(mentions.hint),
            jobs.CARD: self._in_thread(jobs.CardJob, self._card),
            jobs.COMMENT: self._in_thread(jobs.CommentJob, self._comment),
            jobs.COMMENT_EDIT: self._in_thread(jobs.CommentJob, self._comment_edit),
            jobs.COMMENT_DELETE: self._in_thread(jobs.CommentDeleteJob, self._comment_delete),
            jobs.STATUS_NOTE: self._in_thread(jobs.StatusNoteJob, self._status_note),
            jobs.UPDATE: self._in_thread(jobs.UpdateJob, self._update),
        }

    def _(self, locale: str | None) -> Translator:
        return self._catalogs.translator(locale, "slack")

    async def deliver(self, job: Job) -> Outcome:
        handler = self._kinds.get(job.kind)
        if handler is None:
            return failures.unknown_kind(job.kind)
        return await handler(job)

    def _private(self, answer: Callable[[jobs.PrivateAnswer, Credentials], Awaitable[Outcome]]) -> Handler:
        """An answer only its addressee sees, about no ticket's thread."""

        async def deliver(job: Job) -> Outcome:
            payload = jobs.parse(jobs.PrivateAnswer, job.payload)
            credentials = await self._installations.for_workspace(payload.workspace)
            if credentials is None:
                return failures.not_installed(payload.workspace)
            return await answer(payload, credentials)

        return deliver

    def _in_thread(
        self, model: type[P], handle: Callable[[Job, P, _Thread, Credentials], Awaitable[Outcome]]
    ) -> Handler:
        """A post or an edit in a ticket's thread: the thread's state as enqueued when complete, else
        as it is now (jobs before this one may have filled it in)."""

        async def deliver(job: Job) -> Outcome:
            payload = jobs.parse(model, job.payload)
            known = payload.known_thread()
            thread: _Thread | None
            if known is not None:
                thread = _Thread.known(payload.thread_id, known)
            else:
                thread = await self._db.read_async(lambda s: _thread(s, payload.thread_id))
            if thread is None:
                return PermanentFailure(THREAD_GONE.format(thread_id=payload.thread_id))
            credentials = await self._installations.for_workspace(thread.workspace)
            if credentials is None:
                return failures.not_installed(thread.workspace)
            return await handle(job, payload, thread, credentials)

        return deliver

    # Kinds -------------------------------------------------------------------------------------------

    async def _card(self, job: Job, p: jobs.CardJob, thread: _Thread, credentials: Credentials) -> Outcome:
        _ = self._(thread.locale)
        if p.initial:
            if thread.confirmation is not None:  # an earlier attempt got through
                return Delivered(reference=thread.confirmation)
            message = blocks.ticket_card(p.card, _, with_reporter=thread.root is None, follow=p.follow)
            return await self._post(
                job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
            )
        if thread.confirmation is None:
            return PermanentFailure(CARD_NEVER_POSTED.format(key=p.card.key, channel=thread.channel))
        message = blocks.ticket_card(
            p.card, _, with_reporter=thread.root == thread.confirmation, follow=p.follow
        )
        return await self._api.update_message(
            credentials.bot_token, channel=thread.channel, ts=thread.confirmation, message=message
        )

    async def _comment(
        self, job: Job, p: jobs.CommentJob, thread: _Thread, credentials: Credentials
    ) -> Outcome:
        if thread.root is None:
            return _no_thread(thread)
        _ = self._(thread.locale)
        as_author = credentials.can(CUSTOMIZE)
        outcome = await self._post_comment(
            job, credentials, thread, p.comment, p.card, _, as_author=as_author
        )
        if as_author and isinstance(outcome, PermanentFailure) and code_of(outcome) == "missing_scope":
            # chat:write.customize not granted after all: post with the name in the text instead.
            outcome = await self._post_comment(
                job, credentials, thread, p.comment, p.card, _, as_author=False
            )
        return outcome

    async def _post_comment(
        self,
        job: Job,
        credentials: Credentials,
        thread: _Thread,
        comment: CommentView,
        card: TicketCard,
        _: Translator,
        *,
        as_author: bool,
    ) -> Outcome:
        return await self._post(
            job,
            credentials,
            channel=thread.channel,
            message=blocks.comment(comment, card, _, as_author=as_author),
            thread_ts=thread.root,
            username=blocks.author_label(comment) if as_author else None,
        )

    async def _post(
        self,
        job: Job,
        credentials: Credentials,
        *,
        channel: str,
        message: SlackMessage,
        thread_ts: str | None,
        username: str | None = None,
    ) -> Outcome:
        """Post once, even when an earlier attempt reached Slack and only its answer was lost: every
        post carries the job's key as metadata, and a retry first looks for it (since shortly before
        the job was created) in the thread or the channel."""
        if job.is_retry:
            found = await self._api.find_delivery(
                credentials.bot_token,
                channel=channel,
                thread_ts=thread_ts,
                delivery_key=job.idempotency_key,
                oldest=job.created_at.timestamp() - 60,
            )
            if found is not None:
                return Delivered(reference=found, data={"channel": channel, "recovered": True})
        return await self._api.post_message(
            credentials.bot_token,
            channel=channel,
            message=message,
            thread_ts=thread_ts,
            username=username,
            delivery_key=job.idempotency_key,
        )

    async def _posted(self, thread: _Thread, comment_id: int) -> str | None:
        def find(session: Session) -> str | None:
            for message in links.messages_of_comment(session, comment_id=comment_id):
                if message.thread_id == thread.id and message.direction == Direction.OUTBOUND.value:
                    return message.message_id
            return None

        return await self._db.read_async(find)

    async def _comment_edit(
        self, job: Job, p: jobs.CommentJob, thread: _Thread, credentials: Credentials
    ) -> Outcome:
        ts = await self._posted(thread, p.comment.id)
        if ts is None:
            return Delivered(data={"skipped": NEVER_POSTED_HERE})
        message = blocks.comment(
            p.comment, p.card, self._(thread.locale), as_author=credentials.can(CUSTOMIZE)
        )
        return await self._api.update_message(
            credentials.bot_token, channel=thread.channel, ts=ts, message=message
        )

    async def _comment_delete(
        self, job: Job, p: jobs.CommentDeleteJob, thread: _Thread, credentials: Credentials
    ) -> Outcome:
        ts = await self._posted(thread, p.comment_id)
        if ts is None:
            return Delivered(data={"skipped": NEVER_POSTED_HERE})
        outcome = await self._api.delete_message(credentials.bot_token, channel=thread.channel, ts=ts)
        if isinstance(outcome, PermanentFailure) and code_of(outcome) == "message_not_found":
            return Delivered(reference=ts, data={"skipped": ALREADY_DELETED})
        return outcome

    async def _status_note(
        self, job: Job, p: jobs.StatusNoteJob, thread: _Thread, credentials: Credentials
    ) -> Outcome:
        if thread.root is None:
            return _no_thread(thread)
        message = blocks.status_note(p.old_status, p.new_status, p.actor_name, self._(thread.locale))
        return await self._post(
            job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
        )

    async def _update(
        self, job: Job, p: jobs.UpdateJob, thread: _Thread, credentials: Credentials
    ) -> Outcome:
        """Create-and-follow: one update in the thread (title, link, status, latest comment)."""
        if thread.root is None:
            return _no_thread(thread)
        change = (p.old_status or "", p.new_status, p.actor_name or "") if p.new_status else None
        message = plan_blocks.follow_update(p.card, p.comment, self._(thread.locale), status_change=change)
        return await self._post(
            job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
        )

    # Recording what Slack answered ---------------------------------------------------------------------

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        """Remember the ids of our posts (loop prevention); the first card post fills the thread in."""
        if job.kind not in _POSTS or outcome.reference is None or outcome.data.get("skipped"):
            return
        payload = jobs.parse(jobs.ThreadJob, job.payload)
        thread = uow.session.get(TicketThread, payload.thread_id)
        if thread is None:  # the ticket was deleted meanwhile: nothing left to remember
            return
        ts = outcome.reference
        if job.kind == jobs.CARD and jobs.parse(jobs.CardJob, job.payload).initial:
            if thread.thread_root is None:  # the /assist root post: its thread is the ticket's now
                thread.thread_root = ts
            thread.confirmation_message = ts
        comment_id = jobs.parse(jobs.CommentJob, job.payload).comment.id if job.kind == jobs.COMMENT else None
        links.record_message(
            uow,
            ChatPlace.of(thread),
            message_id=ts,
            direction=Direction.OUTBOUND,
            ticket_id=thread.ticket_id,
            comment_id=comment_id,
            thread_id=thread.id,
        )
        uow.session.flush()

    async def aclose(self) -> None:
        await self._api.aclose()


# The kinds whose delivery is a new message of ours in a thread (edits and deletions post nothing new).
_POSTS = frozenset({jobs.CARD, jobs.COMMENT, jobs.STATUS_NOTE, jobs.UPDATE})
THREAD_GONE = "ticket thread #{thread_id} no longer exists"
NEVER_POSTED_HERE = "the comment was never posted in this thread"
ALREADY_DELETED = "already deleted in Slack"
CARD_NEVER_POSTED = (
    "the card of {key} was never posted in {channel} (see its earlier failed delivery), "
    "so there is nothing to update"
)
NO_THREAD_YET = (
    "the request's first post in {channel} failed, so it has no thread yet "
    "(replay that delivery first with `assistdesk outbox retry`)"
)


def _thread(session: Session, thread_id: int) -> _Thread | None:
    found = session.get(TicketThread, thread_id)
    return _Thread.of(found) if found is not None else None


def _no_thread(thread: _Thread) -> PermanentFailure:
    return PermanentFailure(NO_THREAD_YET.format(channel=thread.channel))
