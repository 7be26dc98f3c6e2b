"""Mail in: the IMAP reader and the SMTP listener, run beside the delivery worker, both handing mail
to `MailReceiver`, which commits it (or raises, so that the server is not told and sends it again).

Mail is committed in batches (one transaction, a savepoint per mail): the IMAP reader hands over each
fetched chunk, and the listener's concurrent sessions are grouped by `GroupCommit`. One commit per
batch instead of per mail is what lets a mailbox backlog drain at hundreds of mails a second. A mail
whose handling fails for any reason but the database is held for an admin as unreadable, so that it
can never block the mail behind it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from typing import Any

from sqlalchemy.exc import DBAPIError

from assistdesk.bridge.mail import inbound, store
from assistdesk.bridge.mail.models import HoldReason
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.platforms.mail import message
from assistdesk.platforms.mail.imap import ImapReader
from assistdesk.platforms.mail.listener import SmtpListener
from assistdesk.settings import Settings

log = logging.getLogger(__name__)

Service = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
MAX_BATCH = 50


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
        return self.accept_many([raw])[0]

    def accept_many(self, raws: Sequence[bytes]) -> list[inbound.Received]:
        """Blocking: all of them committed in one transaction, or (raising) none."""
        try:
            # The common case, without a savepoint per mail (two statements fewer each).
            results = self._db.run(lambda uow: [self._plain(uow, raw) for raw in raws])
        except DBAPIError:
            raise
        except Exception:
            # One of them fails: again, each in its savepoint, that one held as unreadable.
            results = self._db.run(lambda uow: [self._one(uow, raw) for raw in raws])
        for received in results:
            log.info("mail: %s %s", received.verdict, received.ticket_key or received.reason or "")
        return results

    def _plain(self, uow: UnitOfWork, raw: bytes) -> inbound.Received:
        return inbound.receive(uow, message.parse(raw), raw, self._rules)

    def _one(self, uow: UnitOfWork, raw: bytes) -> inbound.Received:
        earlier = uow.take_events()
        savepoint = uow.session.begin_nested()
        mail = message.unparsed(raw)
        try:
            mail = message.parse(raw)
            received = inbound.receive(uow, mail, raw, self._rules)
            savepoint.commit()
        except DBAPIError:
            raise  # the database's trouble: the whole batch again, later
        except Exception:
            log.exception("mail %s could not be handled; held for an admin", mail.message_id)
            savepoint.rollback()
            uow.take_events()  # what the failed mail raised never happened
            store.claim(
                uow.session, message_id=mail.message_id, direction=store.Direction.INBOUND, sender=mail.sender
            )
            store.hold(
                uow.session,
                message_id=mail.message_id,
                sender=mail.sender or "unknown",
                sender_name=mail.sender_name,
                subject=mail.subject,
                reason=HoldReason.UNREADABLE.value,
                raw=raw,
            )
            received = inbound.Received(inbound.Verdict.HELD, reason=HoldReason.UNREADABLE.value)
        for event in [*earlier, *uow.take_events()]:
            uow.emit(event)
        return received


class GroupCommit:
    """Mails arriving at the same time on several SMTP sessions, committed together: each caller
    blocks until the batch holding its mail is committed (or raises what the commit raised)."""

    def __init__(self, receiver: MailReceiver) -> None:
        self._receiver = receiver
        self._queue: queue.Queue[tuple[bytes, Future[inbound.Received]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="mail-group-commit", daemon=True)
        self._thread.start()

    def accept(self, raw: bytes) -> inbound.Received:
        done: Future[inbound.Received] = Future()
        self._queue.put((raw, done))
        return done.result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                batch.append(item)
            try:
                results = self._receiver.accept_many([raw for raw, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    done.set_exception(exc)
                continue
            for (_, done), received in zip(batch, results, strict=True):
                done.set_result(received)


def services(*, db: Database, settings: Settings) -> list[Service]:
    """What the worker runs for mail in: one service per configured way in."""
    receiver = MailReceiver(db=db, settings=settings)
    found: list[Service] = []
    if settings.smtp_listen:
        listen = settings.smtp_listen

        async def listen_smtp(stop: asyncio.Event) -> None:
            group = GroupCommit(receiver)
            listener = SmtpListener(listen=listen, accept=group.accept, max_bytes=settings.mail_max_bytes)
            await asyncio.to_thread(listener.start)
            log.info("SMTP listener on %s", listen)
            try:
                await stop.wait()
            finally:
                await asyncio.to_thread(listener.stop)
                await asyncio.to_thread(group.close)

        found.append(listen_smtp)
    if settings.imap_url is not None:
        url = settings.imap_url.get_secret_value()

        async def read_imap(stop: asyncio.Event) -> None:
            reader = ImapReader(url=url, accept=receiver.accept_many, idle_seconds=settings.mail_idle_seconds)
            halt = threading.Event()
            thread = asyncio.create_task(asyncio.to_thread(reader.run, halt))
            try:
                await stop.wait()
            finally:
                halt.set()
                await thread

        found.append(read_imap)
    return found
