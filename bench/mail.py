"""Mail in and out: mails per second ingested from IMAP and through the SMTP listener, and the time
from an agent's reply being committed to its mail reaching the customer's mail server.

    uv run python bench/mail.py [--backends postgresql] [--mails 1000]

An `assistdesk worker` process (the delivery worker, the IMAP reader and the SMTP listener) runs on a
fresh database; a real Dovecot (tests/fakes/dovecot.py) holds the support mailbox; outgoing mail goes
to a local SMTP server in this process, which notes when each mail arrives.
1. IMAP: `--mails` new-ticket mails are put in the mailbox, then the worker starts; the rate is the
   number of tickets over the time between the first and the last ticket's creation.
2. Listener: `--mails` more, sent by 8 concurrent SMTP clients; each `250` comes after the commit,
   so the rate is the mails over the wall time of the sends.
3. Reply latency: 10 agent replies a second for 20 s on the tickets opened by mail, each from the
   commit to its mail arriving at the SMTP server (p50 and p99).
Every ticket of 1 and 2 is acknowledged by mail, so the worker also sends 2 × `--mails` mails.
"""

from __future__ import annotations

import argparse
import re
import smtplib
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from aiosmtpd.controller import Controller

from bench.common import (
    Figure,
    at_least,
    at_most,
    base_env,
    close_log,
    database,
    free_port,
    log_file,
    percentile,
    report,
)
from tests.fakes.dovecot import Dovecot
from tests.mail.shapes import mail

SUPPORT = "support@desk.test"
CUSTOMER = "ann@acme.example"
MARK = re.compile(rb"bench reply #(\d+)\b")


class Sink:
    """Outgoing mail lands here; the arrival time of each bench reply is kept by its number."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.count = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        found = MARK.search(envelope.original_content or envelope.content)
        with self._lock:
            self.count += 1
            if found:
                self.arrived[int(found.group(1))] = now
        return "250 OK"

    def close(self) -> None:
        self._controller.stop()


def _runtime(db_url: str) -> Any:
    from assistdesk.runtime import build_runtime
    from assistdesk.settings import Settings

    return build_runtime(Settings(database_url=db_url, secret_key="bench-secret-key-" + "b" * 32))


def seed(runtime: Any) -> None:
    from assistdesk.domain.orgs import service as orgs
    from assistdesk.domain.people import service as people

    def work(uow: Any) -> None:
        acme = orgs.create_org(uow, name="Acme", plan="premium", domains=["acme.example"])
        people.add_contact(uow, email=CUSTOMER, org=acme, name="Ann")
        people.add_agent(uow, email="ada@vendor.example", name="Ada Admin")

    runtime.db.run(work)


def tickets_created(runtime: Any, title_prefix: str) -> list[float]:
    from sqlalchemy import select

    from assistdesk.domain.tickets.models import Ticket

    with runtime.db.reading() as session:
        rows = session.scalars(select(Ticket.created_at).where(Ticket.title.startswith(title_prefix))).all()
    return sorted(r.timestamp() for r in rows)


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def run(backend: str, count: int) -> list[Figure]:
    figures: list[Figure] = []
    dovecot = Dovecot()
    sink = Sink()
    try:
        with database(backend) as db_url:
            runtime = _runtime(db_url)
            seed(runtime)
            for i in range(count):
                dovecot.deliver(
                    mail(
                        sender=CUSTOMER,
                        subject=f"imap {i}",
                        body=f"Mail {i} read from IMAP.",
                        message_id=f"<imap-{i}@acme.example>",
                    )
                )
            listen = free_port()
            env = base_env(
                db_url,
                ASSISTDESK_SUPPORT_ADDRESS=SUPPORT,
                ASSISTDESK_IMAP_URL=dovecot.url,
                ASSISTDESK_SMTP_LISTEN=f"127.0.0.1:{listen}",
                ASSISTDESK_SMTP_URL=f"smtp://127.0.0.1:{sink.port}",
                ASSISTDESK_MAIL_FLOOD_LIMIT="1000000",
                ASSISTDESK_MAIL_IDLE_SECONDS="1",
            )
            log = log_file("worker")
            worker = subprocess.Popen(
                [sys.executable, "-m", "assistdesk", "worker"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            try:
                wait_for(lambda: len(tickets_created(runtime, "imap ")) >= count, 600, "IMAP tickets")
                created = tickets_created(runtime, "imap ")
                span = max(created[-1] - created[0], 1e-3)
                figures.append(
                    at_least(f"{backend}: mails/s ingested from IMAP", count / span, "mails/s", 100)
                )

                def send(i: int) -> None:
                    raw = mail(
                        sender=CUSTOMER,
                        subject=f"smtp {i}",
                        body=f"Mail {i} relayed.",
                        message_id=f"<smtp-{i}@acme.example>",
                    )
                    with smtplib.SMTP("127.0.0.1", listen, timeout=60) as client:
                        client.sendmail(CUSTOMER, [SUPPORT], raw)

                wait_for(lambda: _answers(listen), 30, "the SMTP listener")
                started = time.perf_counter()
                with ThreadPoolExecutor(8) as pool:
                    list(pool.map(send, range(count)))
                elapsed = time.perf_counter() - started
                figures.append(
                    at_least(f"{backend}: mails/s through the SMTP listener", count / elapsed, "mails/s", 100)
                )
                wait_for(lambda: sink.count >= 2 * count, 600, "the acknowledgements")
                figures.extend(reply_latency(runtime, sink, backend))
            finally:
                worker.terminate()
                worker.wait(30)
                close_log(log, "worker")
            runtime.db.dispose()
    finally:
        sink.close()
        dovecot.close()
    return figures


def _answers(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except OSError:
        return False


def reply_latency(runtime: Any, sink: Sink, backend: str) -> list[Figure]:
    from assistdesk.domain.people import service as people
    from assistdesk.domain.tickets import service as tickets
    from assistdesk.domain.tickets.enums import CommentSource

    keys = [f"SUP-{n}" for n in range(1, 51)]
    committed: dict[int, float] = {}
    total = 200
    start = time.perf_counter()
    for n in range(total):
        due = start + n * 0.1
        time.sleep(max(0.0, due - time.perf_counter()))

        def work(uow: Any, n: int = n) -> None:
            agent = people.get_agent(uow.session, "ada@vendor.example")
            tickets.add_comment(
                uow,
                ticket=tickets.get_ticket(uow.session, keys[n % len(keys)]),
                author=tickets.Author.of_agent(agent),
                body=f"bench reply #{n} — please try again.",
                public=True,
                source=CommentSource.CONSOLE,
            )

        before = time.perf_counter()
        runtime.db.run(work)
        committed[n] = before
    wait_for(lambda: len(sink.arrived) >= total, 120, "the reply mails")
    latencies = [(sink.arrived[n] - committed[n]) * 1000 for n in range(total)]
    return [
        at_most(f"{backend}: agent reply to mail sent p50", percentile(latencies, 50), "ms", 100),
        at_most(f"{backend}: agent reply to mail sent p99", percentile(latencies, 99), "ms", 500),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="postgresql")
    parser.add_argument("--mails", type=int, default=1000)
    args = parser.parse_args()
    figures: list[Figure] = []
    for backend in args.backends.split(","):
        figures.extend(run(backend.strip(), args.mails))
    report(f"mail ({args.mails} mails each way)", figures)


if __name__ == "__main__":
    main()
