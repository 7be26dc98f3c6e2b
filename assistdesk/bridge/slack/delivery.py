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
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy.orm import Session

from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.mentions import MentionAnswers
from assistdesk.bridge.slack.prompts import PromptMaker
from assistdesk.bridge.views import CommentView, TicketCard
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform, Direction, TicketThread
from assistdesk.i18n import Catalogs, Translator
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure
from assistdesk.platforms.slack import blocks, plan_blocks
from assistdesk.platforms.slack.blocks import SlackMessage
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.errors import code_of
from assistdesk.platforms.slack.ports import Credentials

T = TypeVar("T")
SLACK = ChatPlatform.SLACK.value
CUSTOMIZE = "chat:write.customize"


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
    def known(cls, thread_id: int, state: dict[str, Any]) -> _Thread:
        return cls(
            thread_id,
            int(state["ticket_id"]),
            str(state["ws"]),
            str(state["ch"]),
            state["root"],
            state["card"],
            state.get("locale"),
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
        self._prompts = PromptMaker(db=db, api=api, catalogs=catalogs, public_url=public_url)
        self._mentions = MentionAnswers(db=db, api=api, catalogs=catalogs, public_url=public_url)
        self._kinds: dict[str, Callable[[Job, _Thread, Credentials], Awaitable[Outcome]]] = {
            jobs.CARD: self._card,
            jobs.COMMENT: self._comment,
            jobs.COMMENT_EDIT: self._comment_edit,
            jobs.COMMENT_DELETE: self._comment_delete,
            jobs.STATUS_NOTE: self._status_note,
            jobs.UPDATE: self._update,
        }

    async def _read(self, work: Callable[[Session], T]) -> T:
        def read() -> T:
            with self._db.reading() as session:
                return work(session)

        return await anyio.to_thread.run_sync(read)

    def _(self, locale: str | None) -> Translator:
        return self._catalogs.translator(locale, "slack")

    async def deliver(self, job: Job) -> Outcome:
        if job.kind in _PRIVATE:
            workspace = str(job.payload["ws"])
            credentials = await self._installations.for_workspace(workspace)
            if credentials is None:
                return _not_installed(workspace)
            if job.kind == jobs.REACTION:
                return await self._prompts.answer(job, credentials)
            return await self._mentions.answer(job, credentials)
        handler = self._kinds.get(job.kind)
        if handler is None:
            return PermanentFailure(f"unknown Slack job kind {job.kind!r}")
        thread_id = int(job.payload["thread_id"])
        known = job.payload.get("thread")
        thread: _Thread | None
        if known and not job.payload.get("initial"):
            thread = _Thread.known(thread_id, known)
        else:
            thread = await self._read(lambda s: _thread(s, thread_id))
        if thread is None:
            return PermanentFailure(f"ticket thread #{thread_id} no longer exists")
        credentials = await self._installations.for_workspace(thread.workspace)
        if credentials is None:
            return _not_installed(thread.workspace)
        return await handler(job, thread, credentials)

    # Kinds -------------------------------------------------------------------------------------------

    async def _card(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        card = TicketCard.from_dict(job.payload["card"])
        _ = self._(thread.locale)
        if job.payload.get("initial"):
            if thread.confirmation is not None:  # an earlier attempt got through
                return Delivered(reference=thread.confirmation)
            follow = bool(job.payload.get("follow"))
            message = blocks.ticket_card(card, _, with_reporter=thread.root is None, follow=follow)
            return await self._post(
                job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
            )
        if thread.confirmation is None:
            return PermanentFailure(
                f"the card of {card.key} was never posted in {thread.channel} (see its earlier failed "
                "delivery), so there is nothing to update"
            )
        message = blocks.ticket_card(
            card, _, with_reporter=thread.root == thread.confirmation, follow=bool(job.payload.get("follow"))
        )
        return await self._api.update_message(
            credentials.bot_token, channel=thread.channel, ts=thread.confirmation, message=message
        )

    async def _comment(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        if thread.root is None:
            return _no_thread(thread)
        comment = CommentView.from_dict(job.payload["comment"])
        card = TicketCard.from_dict(job.payload["card"])
        _ = self._(thread.locale)
        as_author = credentials.can(CUSTOMIZE)
        outcome = await self._post_comment(job, credentials, thread, comment, card, _, as_author=as_author)
        if as_author and isinstance(outcome, PermanentFailure) and code_of(outcome) == "missing_scope":
            # chat:write.customize not granted after all: post with the name in the text instead.
            outcome = await self._post_comment(job, credentials, thread, comment, card, _, as_author=False)
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

        return await self._read(find)

    async def _comment_edit(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        comment = CommentView.from_dict(job.payload["comment"])
        ts = await self._posted(thread, comment.id)
        if ts is None:
            return Delivered(data={"skipped": "the comment was never posted in this thread"})
        card = TicketCard.from_dict(job.payload["card"])
        message = blocks.comment(comment, card, self._(thread.locale), as_author=credentials.can(CUSTOMIZE))
        return await self._api.update_message(
            credentials.bot_token, channel=thread.channel, ts=ts, message=message
        )

    async def _comment_delete(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        ts = await self._posted(thread, int(job.payload["comment_id"]))
        if ts is None:
            return Delivered(data={"skipped": "the comment was never posted in this thread"})
        outcome = await self._api.delete_message(credentials.bot_token, channel=thread.channel, ts=ts)
        if isinstance(outcome, PermanentFailure) and code_of(outcome) == "message_not_found":
            return Delivered(reference=ts, data={"skipped": "already deleted in Slack"})
        return outcome

    async def _status_note(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        if thread.root is None:
            return _no_thread(thread)
        p = job.payload
        message = blocks.status_note(str(p["old"]), str(p["new"]), str(p["actor"]), self._(thread.locale))
        return await self._post(
            job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
        )

    async def _update(self, job: Job, thread: _Thread, credentials: Credentials) -> Outcome:
        """Create-and-follow: one update in the thread (title, link, status, latest comment)."""
        if thread.root is None:
            return _no_thread(thread)
        p = job.payload
        card = TicketCard.from_dict(p["card"])
        comment = CommentView.from_dict(p["comment"]) if p.get("comment") else None
        change = (str(p["old"]), str(p["new"]), str(p["actor"])) if p.get("new") else None
        message = plan_blocks.follow_update(card, comment, self._(thread.locale), status_change=change)
        return await self._post(
            job, credentials, channel=thread.channel, message=message, thread_ts=thread.root
        )

    # Recording what Slack answered ---------------------------------------------------------------------

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        if job.kind in _PRIVATE or outcome.reference is None or outcome.data.get("skipped"):
            return
        if job.kind in (jobs.COMMENT_EDIT, jobs.COMMENT_DELETE):
            return
        thread = uow.session.get(TicketThread, int(job.payload["thread_id"]))
        if thread is None:  # the ticket was deleted meanwhile: nothing left to remember
            return
        ts = outcome.reference
        if job.kind == jobs.CARD and job.payload.get("initial"):
            if thread.thread_root is None:  # the /assist root post: its thread is the ticket's now
                thread.thread_root = ts
            thread.confirmation_message = ts
        comment_id = job.payload.get("comment", {}).get("id") if job.kind == jobs.COMMENT else None
        links.record_message(
            uow,
            platform=SLACK,
            workspace=thread.workspace,
            channel=thread.channel,
            message_id=ts,
            direction=Direction.OUTBOUND,
            ticket_id=thread.ticket_id,
            comment_id=comment_id,
            thread_id=thread.id,
        )
        uow.session.flush()

    async def aclose(self) -> None:
        await self._api.aclose()


_PRIVATE = frozenset({jobs.REACTION, jobs.MENTION, jobs.HINT})  # ephemeral answers, about no thread


def _thread(session: Session, thread_id: int) -> _Thread | None:
    found = session.get(TicketThread, thread_id)
    return _Thread.of(found) if found is not None else None


def _not_installed(workspace: str) -> PermanentFailure:
    return PermanentFailure(
        f"the Slack app is not installed in workspace {workspace} (or its token was revoked): "
        "install it at /slack/install"
    )


def _no_thread(thread: _Thread) -> PermanentFailure:
    return PermanentFailure(
        f"the request's first post in {thread.channel} failed, so it has no thread yet "
        "(replay that delivery first with `assistdesk outbox retry`)"
    )
