"""The Lark "Support Bot": wiring for the composition root.

Importing lark-oapi takes seconds (it loads every generated API), so nothing imports it until it is
needed: a push arrives, a delivery to Lark runs, or `serve` warms the bot up before it listens. CLI
commands, which build the same runtime, stay quick when LARK_* is set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.settings import Settings

if TYPE_CHECKING:
    from assistdesk.bridge.lark.context import LarkContext
    from assistdesk.bridge.lark.inbound import LarkInbound
    from assistdesk.platforms.lark.client import LarkApi
    from assistdesk.platforms.lark.long_connection import LongConnection

log = logging.getLogger(__name__)
EXTENSION = (
    "lark"  # runtime.extensions["lark"]: the LarkInbound that /lark/events and the long connection use
)


class Host(Protocol):
    """The parts of the runtime the bot plugs into."""

    settings: Settings
    db: Database
    catalogs: Catalogs
    router: EventRouter
    handlers: dict[str, DeliveryHandler]
    extensions: dict[str, object]


@runtime_checkable
class PushReceiver(Protocol):
    """What `POST /lark/events` hands each request to (a LarkInbound)."""

    def handle_http(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, dict[str, Any]]: ...

    def on_long_connection_push(self, body: dict[str, Any]) -> dict[str, Any] | None: ...


def install(host: Host) -> None:
    settings = host.settings
    if not settings.lark_enabled:
        log.info("Lark is off (set LARK_APP_ID and LARK_APP_SECRET to switch it on)")
        return
    from assistdesk.bridge.lark.context import CHANNEL, LarkContext, default_locale
    from assistdesk.bridge.lark.delivery import LarkDelivery
    from assistdesk.bridge.lark.notices import Notices

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
    Notices(ctx).install(host.router)
    host.handlers[CHANNEL] = LarkDelivery(ctx)
    host.extensions[EXTENSION] = _Receiver(ctx, settings)


class _Receiver:
    """The inbound pipeline, built (and lark-oapi imported) on the first push or at `warm`."""

    def __init__(self, ctx: LarkContext, settings: Settings) -> None:
        self._ctx = ctx
        self._settings = settings
        self._inbound: LarkInbound | None = None
        self._lock = threading.Lock()

    def warm(self) -> LarkInbound:
        if self._inbound is None:
            with self._lock:
                if self._inbound is None:
                    from assistdesk.bridge.lark.inbound import LarkInbound

                    key, token = self._settings.lark_encrypt_key, self._settings.lark_verification_token
                    self._inbound = LarkInbound(
                        self._ctx,
                        encrypt_key=key.get_secret_value() if key else None,
                        verification_token=token.get_secret_value() if token else None,
                    )
                    self._ctx.api  # noqa: B018 (build the client now too)
        return self._inbound

    def handle_http(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        return self.warm().handle_http(headers, raw)

    def on_long_connection_push(self, body: dict[str, Any]) -> dict[str, Any] | None:
        return self.warm().on_long_connection_push(body)


def warm(host: Host) -> None:
    """Import and build everything a push needs, so the first one is answered in time (`serve`)."""
    receiver = host.extensions.get(EXTENSION)
    if isinstance(receiver, _Receiver):
        receiver.warm()


def long_connection(host: Host) -> LongConnection | None:
    """The WebSocket client `serve` runs when LARK_LONG_CONNECTION is set (None otherwise)."""
    settings = host.settings
    receiver = host.extensions.get(EXTENSION)
    if not settings.lark_long_connection or not isinstance(receiver, PushReceiver):
        return None
    from assistdesk.platforms.lark.long_connection import LongConnection

    assert settings.lark_app_id is not None
    assert settings.lark_app_secret is not None
    return LongConnection(
        app_id=settings.lark_app_id,
        app_secret=settings.lark_app_secret.get_secret_value(),
        domain=settings.lark_domain,
        on_push=receiver.on_long_connection_push,
    )
