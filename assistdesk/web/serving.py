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
`HEADER_SECONDS` of the connection or of the request's first byte (checked once a second).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from assistdesk.settings import Settings

HEADER_SECONDS = 10.0
SWEEP_SECONDS = 1.0
_SWEEP = "assistdesk_header_sweep"
KEEP_ALIVE_SECONDS = 5


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's headers.

    A timer per request (armed at its first byte, cancelled when its headers are complete) cost two
    timer operations on every request; instead each connection notes when it began waiting for
    headers, and one sweep per second per server closes those waiting longer than
    `HEADER_SECONDS` (so a slow client is cut off within `HEADER_SECONDS` + `SWEEP_SECONDS`).
    """

    headers_since: float | None = None  # the loop's time when this connection began waiting

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.headers_since = self.loop.time()
        _sweep_later(self.loop, self.server_state)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.headers_since = self.loop.time()

    def on_headers_complete(self) -> None:
        self.headers_since = None
        super().on_headers_complete()

    def too_slow(self) -> None:
        self.headers_since = None
        if not self.transport.is_closing():
            self.transport.close()


def _sweep_later(loop: asyncio.AbstractEventLoop, state: ServerState) -> None:
    """Arms the server's sweep unless it is armed (the timer is kept on uvicorn's per-server state)."""
    if getattr(state, _SWEEP, None) is None:
        setattr(state, _SWEEP, loop.call_later(SWEEP_SECONDS, _sweep, loop, state))


def _sweep(loop: asyncio.AbstractEventLoop, state: ServerState) -> None:
    setattr(state, _SWEEP, None)
    too_old = loop.time() - HEADER_SECONDS
    for connection in list(state.connections):
        since = getattr(connection, "headers_since", None)
        if since is not None and since <= too_old and isinstance(connection, HeaderDeadline):
            connection.too_slow()
    if state.connections:
        _sweep_later(loop, state)


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
