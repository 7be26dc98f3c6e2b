"""Where outgoing webhooks may connect: public addresses only, unless the operator allows private ones.

A webhook URL is typed by an admin, but it is fetched by the server, from inside the network: without
this check it reaches loopback services, the cloud metadata address (169.254.169.254), private ranges
(also spelled numerically, `http://2130706433/`, or in IPv6, `[::ffff:127.0.0.1]`) and DNS names that
resolve there, and `last_error` tells which ports answer. The check runs at send time on the very
addresses the connection will use (the resolver below hands aiohttp only allowed ones), so a name
that resolves publicly when added and privately later (DNS rebinding) is refused too.
`ASSISTDESK_WEBHOOK_ALLOW_PRIVATE=true` turns it off (INTERFACE.md).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

REFUSED = "refused: {host} is a loopback, link-local or private address (ASSISTDESK_WEBHOOK_ALLOW_PRIVATE)"


class Refused(OSError):
    """The destination resolves only to addresses webhooks may not reach."""


def is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return is_public(str(embedded))
    return ip.is_global and not ip.is_multicast


def literal_refused(host: str | None) -> bool:
    """True for an IP literal that is not public (aiohttp does not resolve literals)."""
    if host is None:
        return True
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False  # a name: the resolver decides
    return not is_public(host.strip("[]"))


class PublicOnlyResolver(AbstractResolver):
    """aiohttp's resolver, keeping only public addresses; none left is a connection error."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        allowed = [entry for entry in found if is_public(entry["host"])]
        if not allowed:
            raise Refused(REFUSED.format(host=host))
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def connector(*, allow_private: bool) -> aiohttp.TCPConnector:
    options: dict[str, Any] = {"limit": 100}
    if not allow_private:
        options["resolver"] = PublicOnlyResolver()
    return aiohttp.TCPConnector(**options)
