"""An inbound SMTP receiver (`ASSISTDESK_SMTP_LISTEN`) for an MX or a relay's forward, on aiosmtpd.

The answer to DATA is the promise a sending server relies on (RFC 5321 §4.2.5): `250` only once the
mail is committed, `451` when it could not be (the database is down: the sender queues and retries),
and `552` from aiosmtpd itself when the mail is over the size limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)

Accept = Callable[[bytes], object]

OK = "250 2.0.0 Message accepted"
TRY_AGAIN = "451 4.3.0 Cannot store the message now; try again later"


class _Handler:
    def __init__(self, accept: Accept) -> None:
        self._accept = accept

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await asyncio.to_thread(self._accept, bytes(raw))
        except Exception:
            log.exception("an inbound mail could not be stored; the sender will retry")
            return TRY_AGAIN
        return OK


def parse_listen(value: str) -> tuple[str, int]:
    """`host:port` (`[::1]:2525` for IPv6)."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError("ASSISTDESK_SMTP_LISTEN must look like host:port (for instance 0.0.0.0:2525)")
    return host.strip("[]"), int(port)


class SmtpListener:
    """Runs aiosmtpd on its own thread and event loop, so that the worker's loop never waits on a
    slow sender."""

    def __init__(self, *, listen: str, accept: Accept, max_bytes: int) -> None:
        host, port = parse_listen(listen)
        self._controller = Controller(
            _Handler(accept),
            hostname=host,
            port=port,
            data_size_limit=max_bytes,
            # The whole mail, as received, in `original_content` (UTF-8 and 8BITMIME bodies kept).
            decode_data=False,
            ready_timeout=10.0,
        )
        self.port = port

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


def check(listen: str, *, timeout: float = 5.0) -> str:
    """`mail check`: is a desk listening at `listen`? Raises with the reason when nothing answers."""
    import smtplib

    host, port = parse_listen(listen)
    target = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - naming, not binding
    with smtplib.SMTP(target, port, timeout=timeout) as client:
        code, _ = client.ehlo()
    if code != 250:
        raise ConnectionError(f"{target}:{port} answered EHLO with {code}")
    return f"{target}:{port}: answers (a worker is receiving mail)"
