"""Where bot tokens come from, without a Web API call on the ack path.

Bolt's installation-store authorize calls auth.test on every request (300–500 ms, slack.md §7.1);
here the answer comes from memory, or from our own table on a cache miss. Two sources:

- one workspace: `SLACK_BOT_TOKEN`. Its bot_id, bot user and scopes come from one auth.test, made in
  the background on first use (never while a request waits) and again after a failure;
- many workspaces: installations saved by the OAuth flow, tokens encrypted at rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.bridge.slack.models import SlackInstallation
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.platforms.slack.answers import Identity
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.platforms.slack.ports import Credentials
from assistdesk.security.secretbox import SecretBox

log = logging.getLogger(__name__)
CACHE_SECONDS = 300.0
MISS_CACHE_SECONDS = 10.0
RESOLVE_RETRY_SECONDS = 60.0


class Installations:
    def __init__(
        self, *, db: Database, secrets: SecretBox, api: SlackApi, bot_token: str | None, many: bool
    ) -> None:
        self._db = db
        self._secrets = secrets
        self._api = api
        self._many = many
        self._single = (
            Credentials(team_id=None, enterprise_id=None, bot_token=bot_token) if bot_token else None
        )
        self._resolved: Credentials | None = None
        self._resolving: asyncio.Task[Credentials | None] | None = None
        self._failed_at = 0.0
        self._cache: dict[tuple[str, str], tuple[float, Credentials | None]] = {}

    # Looking up --------------------------------------------------------------------------------------

    async def find(self, enterprise_id: str | None, team_id: str | None) -> Credentials | None:
        """For Bolt's authorize: memory first, the database on a miss; never the Web API."""
        if self._many:
            found = await self._stored(enterprise_id or "", team_id or "")
            if found is not None or self._single is None:
                return found
        if self._single is None:
            return None
        if self._resolved is None:
            self._resolve_in_background()
            return replace(self._single, team_id=team_id, enterprise_id=enterprise_id)
        return self._resolved

    async def for_workspace(self, workspace: str) -> Credentials | None:
        """For deliveries, which may wait for auth.test (they are not acknowledging anything)."""
        if self._many:
            found = await self._stored("", workspace)
            if found is not None or self._single is None:
                return found
        if self._single is None:
            return None
        return await self._resolve_shared() or self._single

    async def _stored(self, enterprise_id: str, team_id: str) -> Credentials | None:
        key = (enterprise_id, team_id)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        found = await self._db.read_async(lambda s: self._load(s, enterprise_id, team_id))
        self._cache[key] = (now + (CACHE_SECONDS if found else MISS_CACHE_SECONDS), found)
        return found

    def _load(self, session: Session, enterprise_id: str, team_id: str) -> Credentials | None:
        rows = session.scalars(
            select(SlackInstallation).where(
                SlackInstallation.revoked_at.is_(None),
                (SlackInstallation.team_id == team_id)
                | (
                    (SlackInstallation.team_id == "")
                    & (SlackInstallation.enterprise_id.in_([enterprise_id, team_id]))
                ),
            )
        ).all()
        if not team_id and not enterprise_id:
            return None
        ranked = sorted(
            (r for r in rows if r.bot_token_ciphertext),
            key=lambda r: (r.team_id != team_id or not team_id, r.enterprise_id != enterprise_id),
        )
        if not ranked:
            return None
        row = ranked[0]
        return Credentials(
            team_id=row.team_id or None,
            enterprise_id=row.enterprise_id or None,
            bot_token=self._secrets.decrypt(row.bot_token_ciphertext or ""),
            bot_id=row.bot_id,
            bot_user_id=row.bot_user_id,
            app_id=row.app_id,
            scopes=frozenset(s for s in row.bot_scopes.split(",") if s),
            scopes_known=True,
        )

    def forget(self) -> None:
        """Call after the transaction that saved or revoked an installation committed."""
        self._cache.clear()
        self._resolved = None
        self._failed_at = 0.0

    # One workspace: auth.test once ---------------------------------------------------------------------

    def _resolve_in_background(self) -> None:
        if self._resolving is not None or time.monotonic() - self._failed_at < RESOLVE_RETRY_SECONDS:
            return
        with contextlib.suppress(RuntimeError):  # no running loop: the next caller starts it
            self._resolving = asyncio.get_running_loop().create_task(self._resolve())

    async def _resolve_shared(self) -> Credentials | None:
        """The auth.test in flight when there is one on this loop, else a new one: a delivery
        arriving while the ack path's background call runs waits for it instead of calling again."""
        if self._resolved is not None:
            return self._resolved
        self._resolve_in_background()
        task = self._resolving
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            return await self._resolve()
        return await asyncio.shield(task)

    async def _resolve(self) -> Credentials | None:
        if self._resolved is not None or self._single is None:
            return self._resolved
        if time.monotonic() - self._failed_at < RESOLVE_RETRY_SECONDS:
            return None
        try:
            answer = await self._api.auth_test(self._single.bot_token)
        finally:  # raised or cancelled too: the next caller starts a new call, not this dead task
            self._resolving = None
        if not isinstance(answer, Identity):
            self._failed_at = time.monotonic()
            log.error("SLACK_BOT_TOKEN: auth.test failed: %s", answer.reason)
            return None
        scopes = answer.scopes
        self._resolved = replace(
            self._single,
            team_id=answer.team_id,
            enterprise_id=answer.enterprise_id,
            bot_id=answer.bot_id,
            bot_user_id=answer.user_id,
            scopes=scopes or frozenset(),
            scopes_known=scopes is not None,
        )
        log.info("Slack workspace %s: bot %s", self._resolved.team_id, self._resolved.bot_id)
        return self._resolved

    # Saving --------------------------------------------------------------------------------------------

    def save(
        self,
        uow: UnitOfWork,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool,
        team_name: str,
        app_id: str | None,
        bot_user_id: str | None,
        bot_id: str | None,
        scopes: frozenset[str],
        bot_token: str,
        installer_user_id: str | None,
    ) -> SlackInstallation:
        """A (re)installation replaces the workspace's previous token. Call `forget()` after commit."""
        session = uow.session
        row = session.scalars(
            select(SlackInstallation).where(
                SlackInstallation.enterprise_id == (enterprise_id or ""),
                SlackInstallation.team_id == (team_id or ""),
            )
        ).one_or_none()
        if row is None:
            row = SlackInstallation(enterprise_id=enterprise_id or "", team_id=team_id or "")
            session.add(row)
        row.is_enterprise_install = is_enterprise_install
        row.team_name = team_name[:200]
        row.app_id = app_id
        row.bot_user_id = bot_user_id
        row.bot_id = bot_id
        row.bot_scopes = ",".join(sorted(scopes))
        row.bot_token_ciphertext = self._secrets.encrypt(bot_token)
        row.installer_user_id = installer_user_id
        row.installed_at = utcnow()
        row.revoked_at = None
        session.flush()
        return row

    def revoke(self, uow: UnitOfWork, *, enterprise_id: str | None, team_id: str | None) -> int:
        """app_uninstalled / tokens_revoked: the token is useless now; forget it."""
        rows = uow.session.scalars(
            select(SlackInstallation).where(
                SlackInstallation.team_id == (team_id or ""),
                SlackInstallation.revoked_at.is_(None),
            )
        ).all()
        for row in rows:
            row.revoked_at = utcnow()
            row.bot_token_ciphertext = None
        return len(rows)
