"""A local SMTP server that keeps what it receives: where the help center's login mail lands in tests."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.fakes.live import free_port


@dataclass(frozen=True)
class Received:
    to: list[str]
    subject: str
    body: str
    message: EmailMessage | None = None

    def header(self, name: str) -> str:
        assert self.message is not None
        return str(self.message[name] or "")

    @property
    def html(self) -> str:
        assert self.message is not None
        part = self.message.get_body(("html",))
        return part.get_content() if part is not None else ""

    @property
    def link(self) -> str:
        found = re.search(r"https?://\S+/help/login/link\?token=\S+", self.body)
        assert found, self.body
        return found.group(0)

    @property
    def code(self) -> str:
        found = re.search(r"\b(\d{6})\b", self.subject)
        assert found, self.subject
        return found.group(1)


_TICKET_SUBJECT = re.compile(r"^\[[A-Z][A-Z0-9]*-\d+\] ")


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(("plain",))
        body = part.get_content() if part is not None else ""
        self._box.add(Received(list(envelope.rcpt_tos), str(message["Subject"]), body, message))
        return "250 OK"


class Mailbox:
    def __init__(self, port: int | None = None) -> None:
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        port = port or free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=port)
        self._controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    def add(self, message: Received) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self, to: str | None = None, *, tickets: bool = False) -> list[Received]:
        """Sign-in mail, or with `tickets` the ticket mail (subject `[KEY] title`): tests of the one
        are not disturbed by acknowledgements of the tickets they create."""
        with self._lock:
            return [
                m
                for m in self._messages
                if (to is None or to in m.to) and bool(_TICKET_SUBJECT.match(m.subject)) is tickets
            ]

    def wait_for(self, to: str, count: int = 1, timeout: float = 10.0, *, tickets: bool = False) -> Received:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to, tickets=tickets)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.02)
        have = len(self.messages(to, tickets=tickets))
        raise AssertionError(f"no mail #{count} to {to} within {timeout}s (have {have})")

    def close(self) -> None:
        self._controller.stop()
