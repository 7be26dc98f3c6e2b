"""Slack's parts, built once Slack is switched on (see `install`), and registered on the host.

The installer imports this module only when Slack is on; nothing here imports the installer back."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from assistdesk.bridge.host import ChannelHost
from assistdesk.bridge.slack import jobs
from assistdesk.bridge.slack.delivery import SlackDelivery
from assistdesk.bridge.slack.inbound import SlackInbound
from assistdesk.bridge.slack.installations import Installations
from assistdesk.bridge.slack.intake import Intake
from assistdesk.bridge.slack.models import SlackDraft
from assistdesk.bridge.slack.oauth import OAuthInstall
from assistdesk.bridge.slack.outbound import SlackOutbound
from assistdesk.bridge.slack.sync import SlackSync
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs
from assistdesk.outbox.policy import Periodic
from assistdesk.platforms.slack import app as bolt
from assistdesk.platforms.slack.client import SlackApi
from assistdesk.security.secretbox import SecretBox
from assistdesk.settings import Settings

log = logging.getLogger(__name__)
DRAFT_RETENTION = timedelta(days=2)


class SlackIntegration:
    """What the web routes and `serve` need: the Bolt app, the OAuth flow, Socket Mode."""

    def __init__(self, *, settings: Settings, db: Database, secrets: SecretBox, catalogs: Catalogs) -> None:
        self.settings = settings
        self.api = SlackApi(settings.slack_api_url)
        oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.installations = Installations(db=db, secrets=secrets, api=self.api, bot_token=token, many=oauth)
        self.intake = Intake(db)
        self.inbound = SlackInbound(
            db=db, settings=settings, installations=self.installations, intake=self.intake
        )
        self.oauth: OAuthInstall | None = None
        if oauth and settings.slack_client_id and settings.slack_client_secret:
            self.oauth = OAuthInstall(
                db=db,
                secrets_box=secrets,
                api=self.api,
                installations=self.installations,
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                public_url=settings.public_url,
            )
        self._catalogs = catalogs
        self._app: Any = None

    @property
    def signing_secret(self) -> str | None:
        secret = self.settings.slack_signing_secret
        return secret.get_secret_value() if secret else None

    def bolt_app(self) -> Any:
        if self._app is None:
            self._app = bolt.build_app(
                api=self.api,
                find_credentials=self.installations.find,
                inbound=self.inbound,
                translate=lambda locale: self._catalogs.translator(locale, "slack"),
            )
        return self._app

    async def socket_mode(self, stop: asyncio.Event) -> None:
        """Socket Mode (SLACK_APP_TOKEN): the same app, over a WebSocket instead of /slack/events."""
        token = self.settings.slack_app_token
        if token is None:
            return
        await bolt.run_socket_mode(self.bolt_app(), token.get_secret_value(), stop)


def wire(host: ChannelHost) -> SlackIntegration:
    settings = host.settings
    slack = SlackIntegration(settings=settings, db=host.db, secrets=host.secrets, catalogs=host.catalogs)
    SlackOutbound(public_url=settings.public_url).install(host.router)
    for channel, handler in ((jobs.CHANNEL, SlackDelivery), (jobs.SYNC_CHANNEL, SlackSync)):
        host.handlers[channel] = handler(
            db=host.db,
            api=slack.api,
            installations=slack.installations,
            catalogs=host.catalogs,
            public_url=settings.public_url,
        )
    host.closers.append(slack.api.aclose)
    host.closers.append(slack.intake.aclose)
    if settings.slack_app_token is not None:
        host.background.append(slack.socket_mode)
    db = host.db
    host.periodic.append(
        Periodic(
            "purge Slack request drafts",
            3600,
            lambda: db.run(
                lambda uow: uow.session.execute(
                    delete(SlackDraft).where(SlackDraft.created_at < utcnow() - DRAFT_RETENTION)
                )
            ),
        )
    )
    return slack
