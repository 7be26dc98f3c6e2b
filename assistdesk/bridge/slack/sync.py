"""Delivering the `slack_sync` channel's jobs: what people wrote in Slack, into the ticket.

A thread reply becomes a public comment through `bridge.chat.add_reply` once the author is known
(users.info: the email that matches them to a contact, else "display name" as a chat identity) and
their files are fetched (with files:read; otherwise, or beyond the attachment limit, their
permalinks are kept). add_reply records the message, so a redelivered job adds nothing twice.
Edits and deletions follow in the same per-channel order, so they never overtake their reply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import anyio.to_thread

from assistdesk.bridge import chat
from assistdesk.bridge.chat import ChatFile, ChatPerson, ChatPlace
from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.profiles import Profile, profile_of
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.domain.tickets.service import MAX_ATTACHMENT_BYTES
from assistdesk.errors import DomainError
from assistdesk.i18n import Catalogs, normalise
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome, PermanentFailure, RetryAfter, TransientFailure
from assistdesk.platforms.slack import forms
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.files import slack_link
from assistdesk.platforms.slack.ports import Credentials
from assistdesk.platforms.slack.text import to_plain

T = TypeVar("T")
SLACK = ChatPlatform.SLACK
FILES_READ = "files:read"


class SlackSync:
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

    async def _write(self, work: Callable[[UnitOfWork], T]) -> T:
        return await anyio.to_thread.run_sync(self._db.run, work)

    async def deliver(self, job: Job) -> Outcome:
        p = job.payload
        workspace = str(p.get("ws") or p.get("form", {}).get("workspace") or "")
        credentials = await self._installations.for_workspace(workspace)
        if credentials is None:
            return PermanentFailure(f"the Slack app is not installed in workspace {workspace}")
        try:
            if job.kind == jobs.REPLY:
                return await self._reply(p, credentials)
            if job.kind == jobs.REPLY_EDIT:
                return await self._edit(p)
            if job.kind == jobs.REPLY_DELETE:
                return await self._delete(p)
            if job.kind == jobs.PREFILL:
                return await self._prefill(p, credentials)
        except DomainError as refused:
            return PermanentFailure(f"{job.kind}: {refused.message}")
        return PermanentFailure(f"unknown Slack job kind {job.kind!r}")

    async def _reply(self, p: dict[str, Any], credentials: Credentials) -> Outcome:
        place = ChatPlace(SLACK, str(p["ws"]), str(p["ch"]))
        profile = await profile_of(
            self._db, self._api, credentials.bot_token, place.workspace, str(p["user"])
        )
        if not isinstance(profile, Profile):
            return profile
        files: list[ChatFile] = []
        for raw in p.get("files") or []:
            kept = await self._file(raw, credentials)
            if isinstance(kept, RetryAfter | TransientFailure):
                return kept
            if kept is not None:
                files.append(kept)
        person = ChatPerson(profile.user_id, profile.name, profile.email, profile.locale)
        result = await self._write(
            lambda uow: chat.add_reply(
                uow,
                place=place,
                thread_root=str(p["thread_ts"]),
                message_id=str(p["ts"]),
                author=person,
                text=to_plain(str(p.get("text") or "")),
                files=files,
                public_url=self._public_url,
            )
        )
        return Delivered(
            reference=str(p["ts"]),
            data={
                "outcome": result.outcome.value,
                "comment_id": result.comment_id,
                "reopened": result.reopened,
            },
        )

    async def _file(
        self, raw: dict[str, Any], credentials: Credentials
    ) -> ChatFile | RetryAfter | TransientFailure | None:
        """The file's bytes when Slack serves them to us, else its permalink when that is Slack's,
        else None (the reply goes in without it): see `platforms.slack.files`."""
        link = ChatFile(
            name=str(raw.get("name") or raw["id"]),
            content_type=raw.get("mimetype"),
            url=slack_link(raw.get("permalink")),
        )
        url, size = raw.get("download_url"), raw.get("size") or 0
        if not url or not credentials.can(FILES_READ) or size > MAX_ATTACHMENT_BYTES:
            return link if link.url else None
        content = await self._api.download(credentials.bot_token, url=str(url), limit=MAX_ATTACHMENT_BYTES)
        if isinstance(content, RetryAfter | TransientFailure):
            return content
        if not isinstance(content, bytes):  # refused (not Slack's host, no files:read) or too large
            return link if link.url else None
        return replace(link, content=content)

    async def _edit(self, p: dict[str, Any]) -> Outcome:
        place = ChatPlace(SLACK, str(p["ws"]), str(p["ch"]))
        text = to_plain(str(p.get("text") or ""))
        changed = await self._write(
            lambda uow: chat.edit_reply(uow, place=place, message_id=str(p["ts"]), text=text)
        )
        return Delivered(reference=str(p["ts"]), data={"changed": changed})

    async def _delete(self, p: dict[str, Any]) -> Outcome:
        place = ChatPlace(SLACK, str(p["ws"]), str(p["ch"]))
        changed = await self._write(lambda uow: chat.delete_reply(uow, place=place, message_id=str(p["ts"])))
        return Delivered(reference=str(p["ts"]), data={"changed": changed})

    async def _prefill(self, p: dict[str, Any], credentials: Credentials) -> Outcome:
        """`/assist` opened its form before we knew the user's email: fill it in, in their language."""
        form = jobs.form_from_dict(p["form"])
        user = str(p["user"])
        profile = await profile_of(self._db, self._api, credentials.bot_token, form.workspace, user)
        if not isinstance(profile, Profile):
            return profile
        await self._write(
            lambda uow: links.upsert_identity(
                uow,
                platform=SLACK.value,
                workspace=form.workspace,
                user_id=user,
                display_name=profile.name,
                email=profile.email,
                locale=profile.locale,
            )
        )
        if not profile.email:
            return Delivered(data={"skipped": "the profile shows no email"})
        locale = normalise(profile.locale) or form.locale
        filled = replace(
            form,
            reporter_email=profile.email,
            profile_email=profile.email,
            locale=locale,
            user_name=profile.name,
        )
        view = forms.request_modal(filled, self._catalogs.translator(locale, "slack"))
        answer = await self._api.update_view(
            credentials.bot_token, view_id=str(p["view_id"]), view=view, view_hash=p.get("hash")
        )
        if isinstance(answer, PermanentFailure):  # closed or submitted meanwhile: nothing to fill
            return Delivered(data={"skipped": answer.reason})
        return answer if not isinstance(answer, dict) else Delivered(reference=str(p["view_id"]))

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        return None
