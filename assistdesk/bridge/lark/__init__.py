"""Lark (and Feishu) joined to the desk: pushes to chat use cases, ticket events to outbox jobs, and
the delivery of those jobs. The same shape as `bridge.slack` (see bridge/README.md).

`warm` and `long_connection` are what `serve` asks of the runtime's Lark integration, if any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from assistdesk.bridge.lark.wiring import LarkIntegration
    from assistdesk.platforms.lark.long_connection import LongConnection


class WithLark(Protocol):
    @property
    def lark(self) -> LarkIntegration | None: ...


def warm(runtime: WithLark) -> None:
    """Import and build everything a push needs, so the first one is answered in time (`serve`)."""
    if runtime.lark is not None:
        runtime.lark.warm()


def long_connection(runtime: WithLark) -> LongConnection | None:
    """The WebSocket client `serve` runs when LARK_LONG_CONNECTION is set (None otherwise)."""
    return runtime.lark.long_connection() if runtime.lark is not None else None
