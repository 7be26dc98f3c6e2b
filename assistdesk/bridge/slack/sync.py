"""Delivering the `slack_sync` channel's jobs: what people wrote in Slack, into the ticket.

A thread reply becomes a public comment through `bridge.chat.add_reply` once the author is known
(users.info: the email that matches them to a contact, else "display name" as a chat identity) and
their files are fetched (with files:read; otherwise, or beyond the attachment limit, their
permalinks are kept). add_reply records the message, so a redelivered job adds nothing twice.
Edits and deletions follow in the same per-channel order, so they never overtake their reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TypeVar

from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatFile, ChatPerson
from assistdesk.bridge.slack import failures, jobs
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.profiles import profile_of
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.tickets.service import MAX_ATTACHMENT_BYTES
from assistdesk.errors import DomainError
from assistdesk.i18n import Catalogs, normalise
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, RetryAfter, TransientFailure
from assistdesk.platforms.slack import forms
from assistdesk.platforms.slack.answers import OpenedView
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.files import slack_link
from assistdesk.platforms.slack.ports import Credentials, SharedFile
from assistdesk.platforms.slack.text import to_plain

SLACK = ChatPlatform.SLACK
FILES_READ = "files:read"
REFUSED = "{kind}: {reason}"
NO_EMAIL = "the profile shows no email"

Handler = Callable[[Job], Awaitable[Outcome]]
P = TypeVar("P", bound=jobs.ReplyJob | jobs.ReplyChangeJob | jobs.PrefillJob)


class SlackSync:
    # The worker records a delivery as plain statements: `after_delivery` writes nothing.
    writes_after_delivery = False

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
        self._public_url = public_url

        self._kinds: dict[str, Handler] = {
            jobs.REPLY: self._handler(jobs.ReplyJob, self._reply),
            jobs.REPLY_EDIT: self._handler(jobs.ReplyChangeJob, self._edit),
            jobs.REPLY_DELETE: self._handler(jobs.ReplyChangeJob, self._delete),
            jobs.PREFILL: self._handler(jobs.PrefillJob, self._prefill),
        }

    async def deliver(self, job: Job) -> Outcome:
        handler = self._kinds.get(job.kind)
        if handler is None:
            return failures.unknown_kind(job.kind)
        try:
            return await handler(job)
        except DomainError as refused:
            return PermanentFailure(REFUSED.format(kind=job.kind, reason=refused.message))

    def _handler(self, model: type[P], handle: Callable[[P, Credentials], Awaitable[Outcome]]) -> Handler:
        async def deliver(job: Job) -> Outcome:
            payload = jobs.parse(model, job.payload)
            credentials = await self._installations.for_workspace(payload.workspace)
            if credentials is None:
                return failures.not_installed(payload.workspace)
            return await handle(payload, credentials)

        return deliver

    async def _reply(self, p: jobs.ReplyJob, credentials: Credentials) -> Outcome:
        place = p.place
        profile = await profile_of(self._db, self._api, credentials.bot_token, place.workspace, p.user)
        if not isinstance(profile, ChatPerson):
            return profile
        files: list[ChatFile] = []
        for shared in p.files:
            kept = await self._file(shared, credentials)
            if isinstance(kept, RetryAfter | TransientFailure):
                return kept
            if kept is not None:
                files.append(kept)
        result = await self._db.run_async(
            lambda uow: chat.add_reply(
                uow,
                place=place,
                thread_root=p.thread_ts,
                message_id=p.ts,
                author=profile,
                text=to_plain(p.text),
                files=files,
                public_url=self._public_url,
            )
        )
        return Delivered(
            reference=p.ts,
            data={
                "outcome": result.outcome.value,
                "comment_id": result.comment_id,
                "reopened": result.reopened,
            },
        )

    async def _file(
        self, shared: SharedFile, credentials: Credentials
    ) -> ChatFile | RetryAfter | TransientFailure | None:
        """The file's bytes when Slack serves them to us, else its permalink when that is Slack's,
        else None (the reply goes in without it): see `platforms.slack.files`."""
        link = ChatFile(
            name=shared.name or shared.id,
            content_type=shared.mimetype,
            url=slack_link(shared.permalink),
        )
        url, size = shared.download_url, shared.size or 0
        if not url or not credentials.can(FILES_READ) or size > MAX_ATTACHMENT_BYTES:
            return link if link.url else None
        content = await self._api.download(credentials.bot_token, url=str(url), limit=MAX_ATTACHMENT_BYTES)
        if isinstance(content, RetryAfter | TransientFailure):
            return content
        if not isinstance(content, bytes):  # refused (not Slack's host, no files:read) or too large
            return link if link.url else None
        return replace(link, content=content)

    async def _edit(self, p: jobs.ReplyChangeJob, credentials: Credentials) -> Outcome:
        text = to_plain(p.text)
        changed = await self._db.run_async(
            lambda uow: chat.edit_reply(uow, place=p.place, message_id=p.ts, text=text)
        )
        return Delivered(reference=p.ts, data={"changed": changed})

    async def _delete(self, p: jobs.ReplyChangeJob, credentials: Credentials) -> Outcome:
        changed = await self._db.run_async(lambda uow: chat.delete_reply(uow, place=p.place, message_id=p.ts))
        return Delivered(reference=p.ts, data={"changed": changed})

    async def _prefill(self, p: jobs.PrefillJob, credentials: Credentials) -> Outcome:
        """`/assist` opened its form before we knew the user's email: fill it in, in their language."""
        form, user = p.form, p.user
        profile = await profile_of(self._db, self._api, credentials.bot_token, form.workspace, user)
        if not isinstance(profile, ChatPerson):
            return profile
        await self._db.run_async(
            lambda uow: links.upsert_identity(
                uow,
                platform=SLACK.value,
                workspace=form.workspace,
                user_id=user,
                display_name=profile.display_name,
                email=profile.email,
                locale=profile.locale,
            )
        )
        if not profile.email:
            return Delivered(data={"skipped": NO_EMAIL})
        locale = normalise(profile.locale) or form.locale
        filled = replace(
            form,
            reporter_email=profile.email,
            profile_email=profile.email,
            locale=locale,
            user_name=profile.display_name,
        )
        view = forms.request_modal(filled, self._catalogs.translator(locale, "slack"))
        answer = await self._api.update_view(
            credentials.bot_token, view_id=p.view_id, view=view, view_hash=p.view_hash
        )
        if isinstance(answer, PermanentFailure):  # closed or submitted meanwhile: nothing to fill
            return Delivered(data={"skipped": answer.reason})
        return answer if not isinstance(answer, OpenedView) else Delivered(reference=p.view_id)

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        return None
