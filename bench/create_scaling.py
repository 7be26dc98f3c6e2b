"""Ticket creates per second from several processes on one PostgreSQL database, straight through the
domain (no HTTP, no publishers): what the ticket-number counter lets through when creates run in
parallel (issue 14, item 2).

    uv run python bench/create_scaling.py [--trees /path/to/before,/path/to/after] [--processes 1,2,3]
        [--threads 4] [--seconds 10] [--rounds 2] [--enqueue]

`--enqueue`: each create also enqueues two outbox jobs, as a create with one webhook subscribed does:
one to the webhook's destination and one to the reporter's mail destination, both shared by every
create (what the outbox's destination rows let through).

Each process has its own engine and `--threads` threads creating tickets in a closed loop. With the
number taken inside the create, its row lock is held until COMMIT and every create waits for the one
before it; taken in its own short transaction, creates overlap. Trees are measured alternately, each
on a fresh database, so that a before/after comparison shares the machine's state.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Figure, database, percentile, report


def _creator(tree: str, url: str, threads: int, seconds: float, start: Any, enqueue: bool) -> list[float]:
    """In a child process: `threads` threads creating tickets until `seconds` have passed."""
    sys.path.insert(0, tree)
    if any(name == "assistdesk" or name.startswith("assistdesk.") for name in sys.modules):
        raise RuntimeError("assistdesk was imported before the tree under test was put first")
    from assistdesk.db.engine import build_engine
    from assistdesk.db.uow import Database, UnitOfWork
    from assistdesk.domain.orgs import service as orgs
    from assistdesk.domain.people import service as people
    from assistdesk.domain.tickets import service as tickets
    from assistdesk.domain.tickets.enums import TicketSource
    from assistdesk.outbox.enqueue import enqueue as enqueue_jobs
    from assistdesk.outbox.jobs import NewJob

    db = Database(build_engine(url, pool_size=threads))
    latencies: list[float] = []

    def create(uow: UnitOfWork) -> int:
        ticket = tickets.create_ticket(
            uow,
            org=orgs.get_org(uow.session, "Acme"),
            reporter=people.get_contact(uow.session, "ann@acme.example"),
            title="bench",
            source=TicketSource.API,
            prefix="SUP",
        )
        if enqueue:
            enqueue_jobs(
                uow,
                [
                    NewJob("webhook:1", "webhook.event", {"ticket": ticket.id}, f"w-{ticket.id}"),
                    NewJob("mail:ann", "mail.ack", {"ticket": ticket.id}, f"m-{ticket.id}"),
                ],
            )
        return ticket.id

    start.wait(60)
    deadline = time.monotonic() + seconds

    def loop() -> None:
        while time.monotonic() < deadline:
            began = time.monotonic()
            db.run(create)
            latencies.append(time.monotonic() - began)

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    db.dispose()
    return latencies


def _seed(tree: Path, url: str) -> None:
    code = (
        "from assistdesk.db.engine import build_engine\n"
        "from assistdesk.db import migrate\n"
        "from assistdesk.db.uow import Database\n"
        "from assistdesk.domain.orgs import service as orgs\n"
        "from assistdesk.domain.people import service as people\n"
        f"engine = build_engine({url!r}); migrate.upgrade(engine); db = Database(engine)\n"
        "def seed(uow):\n"
        "    org = orgs.create_org(uow, name='Acme', plan='premium', domains=['acme.example'])\n"
        "    people.add_contact(uow, email='ann@acme.example', org=org)\n"
        "db.run(seed); db.dispose()\n"
    )
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", code], cwd=tree, check=True, env=env)


def measure(
    tree: Path, processes: int, threads: int, seconds: float, label: str, enqueue: bool = False
) -> list[Figure]:
    with database("postgresql") as url:
        _seed(tree, url)
        context = multiprocessing.get_context("spawn")
        start = context.Manager().Event()
        with context.Pool(processes) as pool:
            pending = [
                pool.apply_async(_creator, (str(tree), url, threads, seconds, start, enqueue))
                for _ in range(processes)
            ]
            time.sleep(2)  # let every process import and connect before the clock starts
            start.set()
            latencies = [x * 1000 for p in pending for x in p.get(seconds + 120)]
    head = f"{label}{processes} process(es) x {threads} threads"
    return [
        Figure(f"{head}: creates", len(latencies) / seconds, "/s"),
        Figure("  p50 / p99", percentile(latencies, 50), "ms", f"p99 {percentile(latencies, 99):,.1f} ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trees", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--enqueue", action="store_true", help="two outbox jobs per create")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    figures: list[Figure] = []
    for processes in (int(p) for p in args.processes.split(",")):
        for round_ in range(1, args.rounds + 1):
            for tree in trees:
                label = f"[{tree.name} #{round_}] "
                figures.extend(measure(tree, processes, args.threads, args.seconds, label, args.enqueue))
    report("Ticket creates from several processes, PostgreSQL", figures)


if __name__ == "__main__":
    main()
