"""Reading the support mailbox (`ASSISTDESK_IMAP_URL`) continuously, with IMAPClient.

`imaps://` is TLS from the first byte; `imap://` upgrades with STARTTLS whenever the server offers it.
New mail is waited for with IDLE (RFC 2177) where the server has it, else by polling; a lost
connection is retried with exponential backoff. A mail is flagged `\\Seen` only after `accept`
returned (its work is committed): a crash in between leaves it unseen, and it is read again and
recognised by its Message-ID.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from imapclient import SEEN, IMAPClient

log = logging.getLogger(__name__)

# Commits a batch of mails, or raises (then none of them is flagged and all are read again).
Accept = Callable[[list[bytes]], object]
MAX_BACKOFF = 60.0
BATCH = 50


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    tls: bool
    username: str
    password: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> ImapTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ValueError(
                "ASSISTDESK_IMAP_URL must look like imap://user:pass@host:port/INBOX or imaps://…"
            )
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            tls=tls,
            username=unquote(parts.username),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


def connect(
    target: ImapTarget, *, timeout: float = 30.0, context: ssl.SSLContext | None = None
) -> IMAPClient:
    """Logged in, the folder selected. Raises on any failure (the caller backs off)."""
    tls_context = context or ssl.create_default_context()
    client = IMAPClient(
        target.host, port=target.port, ssl=target.tls, ssl_context=tls_context, timeout=timeout
    )
    try:
        if not target.tls and b"STARTTLS" in client.capabilities():
            client.starttls(tls_context)
        client.login(target.username, target.password)
        client.select_folder(target.folder)
    except Exception:
        _close(client)
        raise
    return client


class ImapReader:
    """`run(stop)` until `stop` is set: take every unseen mail, then wait for more."""

    def __init__(
        self,
        *,
        url: str,
        accept: Accept,
        idle_seconds: float = 30.0,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self._target = ImapTarget.parse(url)
        self._accept = accept
        self._idle_seconds = idle_seconds
        self._context = context
        self.connected = threading.Event()

    def run(self, stop: threading.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                client = connect(self._target, context=self._context)
            except Exception as exc:
                log.warning(
                    "IMAP %s:%s: cannot connect (%s); again in %.0f s",
                    self._target.host,
                    self._target.port,
                    exc,
                    backoff,
                )
                stop.wait(backoff * random.uniform(0.8, 1.2))
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            self.connected.set()
            try:
                backoff = self._serve(client, stop, backoff)
            except Exception as exc:
                log.warning("IMAP connection lost (%s); reconnecting in %.0f s", exc, backoff)
                stop.wait(backoff * random.uniform(0.8, 1.2))
                backoff = min(MAX_BACKOFF, backoff * 2)
            finally:
                self.connected.clear()
                _close(client)

    def _serve(self, client: IMAPClient, stop: threading.Event, backoff: float) -> float:
        idle = b"IDLE" in client.capabilities()
        while not stop.is_set():
            if self.take_unseen(client):
                backoff = 1.0
            else:
                # `accept` failed (the database is down): wait before trying the same mail again.
                stop.wait(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            if idle:
                client.idle()
                try:
                    client.idle_check(timeout=self._idle_seconds)
                finally:
                    client.idle_done()
            else:
                stop.wait(self._idle_seconds)
                client.noop()
        return backoff

    def take_unseen(self, client: IMAPClient) -> bool:
        """Accept every unseen mail, oldest first, in batches; False when a batch could not be
        stored (it stays unseen and is read again in the next round)."""
        uids = sorted(client.search(["UNSEEN"]))
        for start in range(0, len(uids), BATCH):
            fetched = client.fetch(uids[start : start + BATCH], ["BODY.PEEK[]"])
            taken = [uid for uid in sorted(fetched) if isinstance(fetched[uid].get(b"BODY[]"), bytes)]
            if not taken:
                continue
            try:
                self._accept([fetched[uid][b"BODY[]"] for uid in taken])
            except Exception:
                log.exception("inbound mail could not be stored; it stays unread")
                return False
            client.add_flags(taken, [SEEN])
        return True


def check(url: str, *, timeout: float = 10.0) -> str:
    """`mail check`: log in and count the unseen mail. Raises with the reason on failure."""
    target = ImapTarget.parse(url)
    client = connect(target, timeout=timeout)
    try:
        unseen = len(client.search(["UNSEEN"]))
        idle = b"IDLE" in client.capabilities()
    finally:
        _close(client)
    mode = "IDLE" if idle else "polling"
    return f"{target.host}:{target.port}/{target.folder}: logged in, {unseen} unread ({mode})"


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:
        try:
            client.shutdown()
        except Exception:
            log.debug("closing the IMAP connection failed", exc_info=True)
