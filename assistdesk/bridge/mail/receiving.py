"""Mail in: the IMAP reader and the SMTP listener, run beside the delivery worker, both handing each
mail to `MailReceiver.accept`, which commits it (or raises, so the server is not told)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from assistdesk.bridge.mail import inbound
from assistdesk.db.uow import Database
from assistdesk.platforms.mail import message
from assistdesk.platforms.mail.imap import ImapReader
from assistdesk.platforms.mail.listener import SmtpListener
from assistdesk.settings import Settings

log = logging.getLogger(__name__)

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


class MailReceiver:
    def __init__(self, *, db: Database, settings: Settings) -> None:
        self._db = db
        self._rules = inbound.Rules(
            support_address=settings.support_address,
            prefix=settings.ticket_prefix,
            flood_limit=settings.mail_flood_limit,
            max_bytes=settings.mail_max_bytes,
        )

    def accept(self, raw: bytes) -> inbound.Received:
        """Blocking. Returns once the mail's work is committed; raises when it could not be."""
        mail = message.parse(raw)
        received = self._db.run(lambda uow: inbound.receive(uow, mail, raw, self._rules))
        log.info(
            "mail %s from %s: %s %s",
            mail.message_id,
            mail.sender,
            received.verdict,
            received.ticket_key or received.reason or "",
        )
        return received


def services(*, db: Database, settings: Settings) -> list[Service]:
    """What the worker runs for mail in: one service per configured way in."""
    receiver = MailReceiver(db=db, settings=settings)
    found: list[Service] = []
    if settings.smtp_listen:
        listen = settings.smtp_listen

        async def listen_smtp(stop: asyncio.Event) -> None:
            listener = SmtpListener(listen=listen, accept=receiver.accept, max_bytes=settings.mail_max_bytes)
            await asyncio.to_thread(listener.start)
            log.info("SMTP listener on %s", listen)
            try:
                await stop.wait()
            finally:
                await asyncio.to_thread(listener.stop)

        found.append(listen_smtp)
    if settings.imap_url is not None:
        url = settings.imap_url.get_secret_value()

        async def read_imap(stop: asyncio.Event) -> None:
            reader = ImapReader(url=url, accept=receiver.accept, idle_seconds=settings.mail_idle_seconds)
            halt = threading.Event()
            thread = asyncio.create_task(asyncio.to_thread(reader.run, halt))
            try:
                await stop.wait()
            finally:
                halt.set()
                await thread

        found.append(read_imap)
    return found
