"""Lark's parts, built once Lark is switched on (see `install`), and registered on the host.

Importing lark-oapi takes seconds (it loads every generated API), so nothing imports it until it is
needed: a push arrives, a delivery to Lark runs, or `serve` warms the bot up before it listens. CLI
commands, which build the same runtime, stay quick when LARK_* is set.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assistdesk.bridge.host import ChannelHost
from assistdesk.bridge.lark import jobs
from assistdesk.bridge.lark.context import LarkContext, default_locale
from assistdesk.bridge.lark.delivery import LarkDelivery
from assistdesk.bridge.lark.outbound import LarkOutbound
from assistdesk.settings import Settings

if TYPE_CHECKING:
    from assistdesk.platforms.lark.client import LarkApi
    from assistdesk.platforms.lark.long_connection import LongConnection
    from assistdesk.platforms.lark.receiver import PushReceiver


class LarkIntegration:
    """What `POST /lark/events` and `serve` need: the push receiver (built, and lark-oapi imported,
    on the first push or at `warm`) and the long connection."""

    def __init__(self, ctx: LarkContext, settings: Settings) -> None:
        self._ctx = ctx
        self._settings = settings
        self._receiver: PushReceiver | None = None
        self._lock = threading.Lock()

    def warm(self) -> PushReceiver:
        if self._receiver is None:
            with self._lock:
                if self._receiver is None:
                    from assistdesk.bridge.lark.inbound import handlers
                    from assistdesk.platforms.lark.receiver import PushReceiver

                    key, token = self._settings.lark_encrypt_key, self._settings.lark_verification_token
                    self._receiver = PushReceiver(
                        handlers(self._ctx),
                        encrypt_key=key.get_secret_value() if key else None,
                        verification_token=token.get_secret_value() if token else None,
                    )
                    self._ctx.api  # noqa: B018 (build the client now too)
        return self._receiver

    def handle_http(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        return self.warm().handle_http(headers, raw)

    def on_long_connection_push(self, body: dict[str, Any]) -> dict[str, Any] | None:
        return self.warm().on_long_connection_push(body)

    def long_connection(self) -> LongConnection | None:
        """The WebSocket client `serve` runs when LARK_LONG_CONNECTION is set (None otherwise)."""
        settings = self._settings
        if not settings.lark_long_connection:
            return None
        from assistdesk.platforms.lark.long_connection import LongConnection

        assert settings.lark_app_id is not None
        assert settings.lark_app_secret is not None
        return LongConnection(
            app_id=settings.lark_app_id,
            app_secret=settings.lark_app_secret.get_secret_value(),
            domain=settings.lark_domain,
            on_push=self.on_long_connection_push,
        )


def wire(host: ChannelHost) -> LarkIntegration:
    settings = host.settings
    app_id, app_secret = settings.lark_app_id or "", settings.lark_app_secret

    def connect() -> LarkApi:
        from assistdesk.platforms.lark.client import LarkApi

        return LarkApi(
            app_id=app_id,
            app_secret=app_secret.get_secret_value() if app_secret else "",
            domain=settings.lark_domain,
            # Lark must answer before the worker gives the attempt up (a third of the lease).
            timeout=max(1.0, min(8.0, settings.outbox_lease_seconds / 3 - 1)),
        )

    ctx = LarkContext(
        db=host.db,
        catalogs=host.catalogs,
        public_url=settings.public_url,
        prefix=settings.ticket_prefix,
        fallback_locale=default_locale(settings.lark_domain),
        connect=connect,
    )
    LarkOutbound(public_url=settings.public_url).install(host.router)
    host.handlers[jobs.CHANNEL] = LarkDelivery(ctx)
    return LarkIntegration(ctx, settings)
