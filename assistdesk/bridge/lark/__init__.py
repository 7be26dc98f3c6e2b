"""The Lark "Support Bot": wiring for the composition root.

Importing lark-oapi takes seconds (it loads every generated API), so nothing here imports it until
Lark is switched on by its credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from assistdesk.bridge.dispatch import EventRouter
from assistdesk.db.uow import Database
from assistdesk.i18n import Catalogs
from assistdesk.outbox.handlers import DeliveryHandler
from assistdesk.settings import Settings

if TYPE_CHECKING:
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
    from assistdesk.bridge.lark.inbound import LarkInbound
    from assistdesk.bridge.lark.notices import Notices
    from assistdesk.platforms.lark.client import LarkApi

    assert settings.lark_app_id is not None
    assert settings.lark_app_secret is not None
    api = LarkApi(
        app_id=settings.lark_app_id,
        app_secret=settings.lark_app_secret.get_secret_value(),
        domain=settings.lark_domain,
        # Lark must answer before the worker gives the attempt up (a third of the lease).
        timeout=max(1.0, min(8.0, settings.outbox_lease_seconds / 3 - 1)),
    )
    ctx = LarkContext(
        db=host.db,
        api=api,
        catalogs=host.catalogs,
        public_url=settings.public_url,
        prefix=settings.ticket_prefix,
        fallback_locale=default_locale(settings.lark_domain),
    )
    Notices(ctx).install(host.router)
    host.handlers[CHANNEL] = LarkDelivery(ctx)
    host.extensions[EXTENSION] = LarkInbound(
        ctx,
        encrypt_key=settings.lark_encrypt_key.get_secret_value() if settings.lark_encrypt_key else None,
        verification_token=(
            settings.lark_verification_token.get_secret_value() if settings.lark_verification_token else None
        ),
    )


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
