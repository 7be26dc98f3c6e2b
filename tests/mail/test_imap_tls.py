"""The IMAP reader over TLS against a real Dovecot: `imaps://` (TLS from the first byte) and
`imap://` upgraded with STARTTLS; a certificate it does not trust is refused."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator

import pytest

from assistdesk.platforms.mail.imap import ImapReader, ImapTarget, connect
from tests.fakes.dovecot import Dovecot
from tests.mail.conftest import wait_until
from tests.mail.shapes import mail


@pytest.fixture(scope="module")
def dovecot_tls() -> Iterator[Dovecot]:
    server = Dovecot(tls=True)
    yield server
    server.close()


def _trusting(server: Dovecot) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=str(server.cert))
    return context


@pytest.mark.parametrize("scheme", ["imaps", "starttls"])
def test_the_reader_takes_mail_over_tls(dovecot_tls: Dovecot, scheme: str) -> None:
    url = dovecot_tls.tls_url if scheme == "imaps" else dovecot_tls.url
    client = connect(ImapTarget.parse(url), context=_trusting(dovecot_tls))
    try:
        assert isinstance(client._imap.sock, ssl.SSLSocket)  # encrypted before the password was sent
    finally:
        client.logout()

    taken: list[bytes] = []
    reader = ImapReader(url=url, accept=taken.extend, idle_seconds=0.2, context=_trusting(dovecot_tls))
    stop = threading.Event()
    thread = threading.Thread(target=reader.run, args=(stop,))
    thread.start()
    try:
        dovecot_tls.deliver(
            mail(sender="ann@acme.example", subject=scheme, body="x", message_id=f"<{scheme}@a>")
        )
        wait_until(lambda: any(f"<{scheme}@a>".encode() in raw for raw in taken))
        wait_until(lambda: dovecot_tls.unseen() == 0)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_an_untrusted_certificate_is_refused(dovecot_tls: Dovecot) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(ImapTarget.parse(dovecot_tls.tls_url))


def test_the_reader_reconnects_after_the_server_goes_away() -> None:
    first = Dovecot()
    taken: list[bytes] = []
    reader = ImapReader(url=first.url, accept=taken.extend, idle_seconds=0.2)
    stop = threading.Event()
    thread = threading.Thread(target=reader.run, args=(stop,))
    thread.start()
    second: Dovecot | None = None
    try:
        assert reader.connected.wait(10)
        first.close()  # the mail server restarts
        wait_until(lambda: not reader.connected.is_set())
        second = Dovecot(port=first.port)
        second.deliver(mail(sender="ann@acme.example", subject="after", body="x", message_id="<after@a>"))
        wait_until(lambda: any(b"<after@a>" in raw for raw in taken), timeout=30)
    finally:
        stop.set()
        thread.join(40)
        if second is not None:
            second.close()
    assert not thread.is_alive()
