"""Console pages' CPU per request (issue 14, item 4): the queue and the ticket page, side by side for
two checkouts of the code on the same seeded database, in the same run.

    uv run python bench/console_cpu.py [--app-dir .] [--compare /work/main] [--backend sqlite]
                                       [--tickets 600] [--requests 100] [--rounds 10]

Each checkout is served as `python -m assistdesk serve --no-worker` with its own directory first on
`PYTHONPATH` (this script seeds the database once, with this checkout's code; the schema is the
same). Both servers run at once, each with one signed-in agent asking for one page at a time (no
concurrency: what is measured is a page's own cost, not queueing). The server's CPU time (user +
system, all its threads, from /proc/<pid>/stat) over a batch of `--requests` requests, divided by
their number, is the page's CPU ms; the latency is the whole request seen by the client. For each
page the batches alternate between the checkouts (A B B A A B ...), `--rounds` batches each, so
that a busy moment of a shared machine weighs on both alike; the CPU figure kept is the median
batch, the latencies are over all batches.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links import models as _link_models  # noqa: F401  (comments refer to them)
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource, TicketSource
from assistdesk.domain.tickets.service import Author
from bench.common import (
    ROOT,
    Figure,
    at_most,
    base_env,
    close_log,
    database,
    free_port,
    log_file,
    percentile,
    report,
    wait_ready,
)

TARGET_CPU_MS = 3.0
AGENT_EMAIL = "bench-agent@vendor.example"
AGENT_PASSWORD = "bench agent password, long enough"
PAGES = {"queue (all)": "/agent/queue/all", "queue (new)": "/agent/queue/new", "ticket": None}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TICKS = os.sysconf("SC_CLK_TCK")


def seed(url: str, count: int) -> str:
    """Three organizations (one with a response-time plan), 30 contacts, 4 agents, `count` tickets in
    every state, and one ticket with 12 comments (the ticket page's subject). Returns its key."""
    engine = build_engine(url, pool_size=2)
    migrate.upgrade(engine)
    db = Database(engine)

    def people_and_orgs(uow: UnitOfWork) -> None:
        for n, plan in enumerate(("premium", "enterprise", "basic")):
            org = orgs.create_org(uow, name=f"Org {n}", plan=plan, domains=[f"org{n}.example"])
            for c in range(10):
                people.add_contact(uow, email=f"user{c}@org{n}.example", org=org, name=f"User {c} of {n}")
        people.add_agent(uow, email=AGENT_EMAIL, name="Bench Agent", password=AGENT_PASSWORD)
        for a in range(3):
            people.add_agent(uow, email=f"agent{a}@vendor.example", name=f"Agent {a}")

    db.run(people_and_orgs)
    statuses = ("open", "open", "in_progress", "waiting_on_customer", "resolved")

    def batch(start: int, stop: int) -> None:
        def work(uow: UnitOfWork) -> None:
            agents = [people.get_agent(uow.session, f"agent{a}@vendor.example") for a in range(3)]
            for i in range(start, stop):
                org = orgs.get_org_by_id(uow.session, 1 + i % 3)
                reporter = people.find_contact(uow.session, f"user{i % 10}@org{i % 3}.example")
                assert reporter is not None
                ticket = tickets.create_ticket(
                    uow,
                    org=org,
                    reporter=reporter,
                    title=f"Ticket number {i}: the export page is slow",
                    description="Steps: open the export page, pick a year, wait.\n" * 3,
                    severity=("S1", "S2", "S3", "S4")[i % 4],
                    source=(TicketSource.PORTAL, TicketSource.SLACK, TicketSource.LARK)[i % 3],
                    prefix="BENCH",
                )
                if i % 3:
                    tickets.assign(uow, ticket=ticket, agent=agents[i % 3])
                tickets.add_comment(
                    uow,
                    ticket=ticket,
                    author=Author.of_agent(agents[0]),
                    body="Looking into it.",
                    public=True,
                    source=CommentSource.CONSOLE,
                )
                status = statuses[i % len(statuses)]
                if status != "open":
                    tickets.change_status(uow, ticket=ticket, status=status, actor=Author.of_agent(agents[0]))

        db.run(work)

    for start in range(0, count, 100):
        batch(start, min(count, start + 100))

    def subject(uow: UnitOfWork) -> str:
        org = orgs.get_org_by_id(uow.session, 1)
        reporter = people.find_contact(uow.session, "user0@org0.example")
        agent = people.get_agent(uow.session, "agent0@vendor.example")
        assert reporter is not None
        ticket = tickets.create_ticket(
            uow,
            org=org,
            reporter=reporter,
            title="The ticket page's subject",
            description="A description of a few lines.\n" * 5,
            severity="S2",
            source=TicketSource.PORTAL,
            prefix="BENCH",
        )
        for n in range(12):
            public = n % 3 != 2
            author = Author.of_agent(agent) if n % 2 else Author.of_contact(reporter)
            tickets.add_comment(
                uow,
                ticket=ticket,
                author=author,
                body=f"Comment {n}: " + "words " * 30,
                public=public or author.kind != "agent",
                source=CommentSource.CONSOLE if n % 2 else CommentSource.PORTAL,
            )
        return ticket.key

    key = db.run(subject)
    db.dispose()
    return key


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14, 15)


@contextlib.contextmanager
def serve(app_dir: Path, url: str) -> Iterator[tuple[int, str]]:
    """`assistdesk serve --no-worker` from `app_dir`; yields (pid, base URL)."""
    port = free_port()
    env = base_env(url, ASSISTDESK_PUBLIC_URL="http://127.0.0.1", PYTHONPATH=str(app_dir))
    log = log_file("serve")
    process = subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "serve", "--no-worker", "--port", str(port)],
        cwd=app_dir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, f"serve ({app_dir})", timeout=60, log=log)
        yield process.pid, base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        close_log(log, f"serve ({app_dir.name})")


def sign_in(client: httpx.Client) -> None:
    found = _CSRF.search(client.get("/agent/login").text)
    if not found:
        raise RuntimeError("no csrf_token on /agent/login")
    form = {"email": AGENT_EMAIL, "password": AGENT_PASSWORD, "csrf_token": found.group(1)}
    answer = client.post("/agent/login", data=form, follow_redirects=True)
    if answer.status_code != 200 or "/agent/queue" not in str(answer.url):
        raise RuntimeError(f"agent sign-in: HTTP {answer.status_code} at {answer.url}")


@dataclass
class Sample:
    cpu_ms: float
    latencies: list[float]


def warm(client: httpx.Client, path: str, requests: int) -> None:
    """Templates compiled, statement caches filled, the process caches loaded."""
    for _ in range(requests):
        client.get(path)


def measure(pid: int, client: httpx.Client, path: str, requests: int) -> Sample:
    latencies = []
    before = _cpu_seconds(pid)
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {answer.status_code}")
    cpu = _cpu_seconds(pid) - before
    return Sample(cpu * 1000 / requests, latencies)


def run(
    dirs: list[Path], url: str, key: str, requests: int, rounds: int
) -> dict[Path, dict[str, list[Sample]]]:
    """Every checkout served at once; for each page, batches alternate between them."""
    samples: dict[Path, dict[str, list[Sample]]] = {d: {name: [] for name in PAGES} for d in dirs}
    with contextlib.ExitStack() as stack:
        servers = {d: stack.enter_context(serve(d, url)) for d in dirs}
        clients = {
            d: stack.enter_context(httpx.Client(base_url=base, timeout=30))
            for d, (_, base) in servers.items()
        }
        for client in clients.values():
            sign_in(client)
        for name, path in PAGES.items():
            target = path or f"/agent/tickets/{key}"
            for d in dirs:
                warm(clients[d], target, max(20, requests // 2))
            for batch in range(rounds):
                for d in dirs if batch % 2 == 0 else dirs[::-1]:
                    samples[d][name].append(measure(servers[d][0], clients[d], target, requests))
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout measured")
    parser.add_argument("--compare", type=Path, help="a second checkout, measured alternately")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql", "mariadb"))
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--requests", type=int, default=100, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=10, help="batches per page and checkout")
    args = parser.parse_args()
    dirs = [args.app_dir.resolve()] + ([args.compare.resolve()] if args.compare else [])
    with database(args.backend) as url:
        key = seed(url, args.tickets)
        print(f"seeded {args.tickets + 1} tickets on {args.backend}; ticket page: {key}")
        samples = run(dirs, url, key, args.requests, args.rounds)
    for app_dir in dirs:
        figures: list[Figure] = []
        for name in PAGES:
            batches = samples[app_dir][name]
            cpu = statistics.median(s.cpu_ms for s in batches)
            latencies = [t for s in batches for t in s.latencies]
            figures.append(at_most(f"{name}: server CPU per page", cpu, "ms", TARGET_CPU_MS))
            figures.append(Figure(f"{name}: p50", percentile(latencies, 50) * 1000, "ms"))
            figures.append(Figure(f"{name}: p99", percentile(latencies, 99) * 1000, "ms"))
        report(f"{app_dir} ({args.backend}, {args.rounds} batches of {args.requests} requests)", figures)
    if len(dirs) == 2:
        first, second = (samples[d] for d in dirs)
        print(f"\n## CPU per page, {dirs[0].name} / {dirs[1].name} (median of the batches, their range)")
        for name in PAGES:
            a, b = ([s.cpu_ms for s in found[name]] for found in (first, second))
            ratio = statistics.median(a) / statistics.median(b)
            print(f"{name:<12}  {_spread(a)} / {_spread(b)} = {ratio:.2f}")


def _spread(batches: list[float]) -> str:
    return f"{statistics.median(batches):5.2f} ms ({min(batches):.2f}–{max(batches):.2f})"


if __name__ == "__main__":
    main()
