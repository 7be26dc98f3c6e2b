"""How `serve` configures uvicorn: which peers may set forwarded headers, and how long a client may
take to send its request headers.

Forwarded headers (INTERFACE.md, `ASSISTDESK_TRUSTED_PROXIES`): unset, no forwarded header is
believed (uvicorn would otherwise trust 127.0.0.1 by default), so the socket peer is the client
address that per-address sign-in limits count. Set to the load balancers' addresses or CIDRs,
`X-Forwarded-For` / `X-Forwarded-Proto` from those peers name the real client (uvicorn's own
ProxyHeadersMiddleware, which walks the header from the right and stops at the first untrusted hop).

Slow clients: uvicorn closes idle keep-alive connections but has no deadline for the headers of a
request, so a client trickling one header line a second holds a connection (and its memory) for as
long as it likes. `HeaderDeadline` closes a connection whose request headers are not complete within
`HEADER_SECONDS` of the connection or of the request's first byte.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from assistdesk.settings import Settings

HEADER_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's headers."""

    _deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(HEADER_SECONDS, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def trusted_proxies(settings: Settings) -> list[str]:
    return [item.strip() for item in (settings.trusted_proxies or "").split(",") if item.strip()]


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for these settings."""
    proxies = trusted_proxies(settings)
    return {
        "http": HeaderDeadline,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": 64 * 1024,
    }
