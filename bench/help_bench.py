"""Help center and agent console at 1,000,000 tickets (issue 5): p50/p99 at 20 concurrent users.

    uv run python bench/help_bench.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench]
                                      [--users 20] [--duration 15] [--think 1] [--only http|queries|explain]

The database is bench/help_seed.py's (made on the first run, about three minutes; reused after).
Three parts, each printing its figures next to the targets (pages p99 < 50 ms, search p99 < 300 ms):

- http: `assistdesk serve --no-worker` and `assistdesk worker` as subprocesses, as deployed. The bench
  signs in over HTTP like a person: a customer (the admin of the 200,000-ticket organization) through
  the mailed link (an aiosmtpd sink receives it), an agent with a password. Then, one page kind at a
  time, 20 users in a closed loop (aiohttp; each asks again once answered) for `--duration` seconds;
  the latency is the whole request, rendering included. Three loads: one user (a page's own cost);
  20 users with no pause between a user's requests (the server saturated: latency is then mostly
  queueing, 20 / throughput); 20 users pausing `--think` seconds (0.5-1.5 x) between requests, as
  people reading pages do.
- queries: what each page asks the database, through the domain functions the pages call, one at a
  time (no concurrency): the database's share of a page; and each search word alone.
- explain: EXPLAIN (ANALYZE, BUFFERS) of those queries: the index each one uses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import itertools
import queue
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import aiohttp
from aiosmtpd.controller import Controller
from sqlalchemy import event, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistdesk.db.engine import build_engine
from assistdesk.db.uow import Database
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import Status
from bench import help_seed
from bench.common import (
    Figure,
    at_most,
    base_env,
    cli,
    close_log,
    free_port,
    log_file,
    percentile,
    report,
    served,
)

PAGE_TARGET_MS = 50.0
SEARCH_TARGET_MS = 300.0
AGENT_EMAIL = "bench-agent@vendor.example"
AGENT_PASSWORD = "bench agent password, long enough"
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)
SEARCHES = list(help_seed.SEARCH_WORDS)
# Also measured alone: a word in no ticket, a two-character Japanese word (no trigram), and one in
# no ticket (the worst case: every candidate read).
EXTRA_SEARCHES = {"zyxwvut": 0.0, "満杯": help_seed.SEARCH_WORDS_SHORT, "杯満": 0.0}


@dataclass(frozen=True)
class Fixture:
    """Ids and keys the scenarios use, read from the seeded database."""

    big_org: int
    admin_id: int
    agent_id: int
    deep_ids: list[int]  # `before` cursors spread over the big organization's history
    ticket_keys: list[str]  # the big organization's tickets that have public comments


@dataclass(frozen=True)
class Scenario:
    name: str
    target_ms: float
    role: str  # "customer" or "agent"
    urls: list[str]
    query: Callable[[Session], object]


def scenarios(f: Fixture) -> list[Scenario]:
    active = "status=active"
    org = f.big_org

    def counts(session: Session) -> list[int]:
        return [
            tickets.count_tickets(session, cap=1000, **filters)
            for filters in (
                {"statuses": (Status.OPEN,), "unassigned": True},
                {"statuses": WORKING, "assignee_id": f.agent_id},
                {"statuses": (Status.WAITING_ON_CUSTOMER,)},
                {},
            )
        ]

    def queue_page(**filters: Any) -> Callable[[Session], object]:
        return lambda s: (tickets.list_tickets(s, limit=51, **filters), counts(s))

    deep = itertools.cycle(f.deep_ids)
    keys = itertools.cycle(f.ticket_keys)
    words = itertools.cycle(SEARCHES)

    def ticket_page(session: Session) -> object:
        ticket = tickets.get_ticket(session, next(keys))
        return tickets.comments_of(session, ticket, public_only=True)

    return [
        Scenario(
            "My requests, own, first page",
            PAGE_TARGET_MS,
            "customer",
            [f"/help/requests?{active}&scope=mine"],
            lambda s: tickets.list_tickets(
                s, organization_id=org, reporter_id=f.admin_id, statuses=WORKING, limit=26
            ),
        ),
        Scenario(
            "My requests, org admin (200k), active, first page",
            PAGE_TARGET_MS,
            "customer",
            [f"/help/requests?{active}&scope=org"],
            lambda s: tickets.list_tickets(s, organization_id=org, statuses=WORKING, limit=26),
        ),
        Scenario(
            "My requests, org admin, all statuses, first page",
            PAGE_TARGET_MS,
            "customer",
            ["/help/requests?status=all&scope=org"],
            lambda s: tickets.list_tickets(s, organization_id=org, limit=26),
        ),
        Scenario(
            "My requests, org admin, all statuses, deep page",
            PAGE_TARGET_MS,
            "customer",
            [f"/help/requests?status=all&scope=org&before={i}" for i in f.deep_ids],
            lambda s: tickets.list_tickets(s, organization_id=org, before_id=next(deep), limit=26),
        ),
        Scenario(
            "My requests, org admin, closed, deep page",
            PAGE_TARGET_MS,
            "customer",
            [f"/help/requests?status=closed&scope=org&before={i}" for i in f.deep_ids],
            lambda s: tickets.list_tickets(
                s, organization_id=org, statuses=(Status.CLOSED,), before_id=next(deep), limit=26
            ),
        ),
        Scenario(
            "Ticket page",
            PAGE_TARGET_MS,
            "customer",
            [f"/help/requests/{k}" for k in f.ticket_keys],
            ticket_page,
        ),
        Scenario(
            "Agent queue: new and unassigned",
            PAGE_TARGET_MS,
            "agent",
            ["/agent/queue/new"],
            queue_page(statuses=(Status.OPEN,), unassigned=True),
        ),
        Scenario(
            "Agent queue: mine",
            PAGE_TARGET_MS,
            "agent",
            ["/agent/queue/mine"],
            queue_page(statuses=WORKING, assignee_id=f.agent_id),
        ),
        Scenario(
            "Agent queue: waiting on customer",
            PAGE_TARGET_MS,
            "agent",
            ["/agent/queue/waiting"],
            queue_page(statuses=(Status.WAITING_ON_CUSTOMER,)),
        ),
        Scenario("Agent queue: all", PAGE_TARGET_MS, "agent", ["/agent/queue/all"], queue_page()),
        Scenario(
            "Agent queue: all, deep page",
            PAGE_TARGET_MS,
            "agent",
            [f"/agent/queue/all?before={i}" for i in f.deep_ids],
            lambda s: (tickets.list_tickets(s, before_id=next(deep), limit=51), counts(s)),
        ),
        Scenario(
            "Search, org admin in My requests",
            SEARCH_TARGET_MS,
            "customer",
            [f"/help/requests?status=all&scope=org&q={w}" for w in SEARCHES],
            lambda s: tickets.list_tickets(s, organization_id=org, text=next(words), limit=26),
        ),
        Scenario(
            "Search, agent, all tickets",
            SEARCH_TARGET_MS,
            "agent",
            [f"/agent/search?q={w}" for w in SEARCHES],
            lambda s: (tickets.list_tickets(s, text=next(words), limit=51), counts(s)),
        ),
    ]


def load_fixture(url: str, agent_email: str) -> Fixture:
    engine = build_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            org = conn.execute(text("SELECT id FROM organizations WHERE name = 'Bigcorp'")).scalar_one()
            admin = conn.execute(
                text("SELECT id FROM contacts WHERE email = :e"), {"e": help_seed.BIG_ORG_ADMIN}
            ).scalar_one()
            agent = conn.execute(
                text("SELECT id FROM agents WHERE email = :e"), {"e": agent_email}
            ).scalar_one()
            ids = conn.execute(
                text("SELECT id FROM tickets WHERE organization_id = :o AND id % 25000 < 5 ORDER BY id"),
                {"o": org},
            ).scalars()
            deep = [int(i) for i in ids][1:-1:2]
            keys = conn.execute(
                text(
                    "SELECT key FROM tickets WHERE organization_id = :o AND id % 3 = 2"
                    " AND id % 997 = 0 ORDER BY id DESC LIMIT 200"
                ),
                {"o": org},
            ).scalars()
            return Fixture(org, admin, agent, deep, list(keys))
    finally:
        engine.dispose()


def prepare(url: str) -> None:
    """help_seed's 1,000,000-ticket database (seeded on the first run) with the bench agent in it."""
    help_seed.ensure_database(url)
    if not help_seed.is_seeded(url):
        print("seeding 1,000,000 tickets (once)", flush=True)
        help_seed.seed(url)
    ensure_agent(base_env(url), url)


def ensure_agent(env: dict[str, str], url: str) -> None:
    """The bench agent, made through the CLI, takes over the queue of a seeded agent (once)."""
    try:
        cli(
            env,
            "agent",
            "add",
            AGENT_EMAIL,
            "--name",
            "Bench Agent",
            "--password-stdin",
            stdin=AGENT_PASSWORD,
        )
    except RuntimeError as exc:
        if "already exists" not in str(exc):
            raise
        return
    engine = build_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE tickets SET assignee_id = (SELECT id FROM agents WHERE email = :e)"
                    " WHERE assignee_id = (SELECT id FROM agents WHERE email = 'agent02@vendor.example')"
                ),
                {"e": AGENT_EMAIL},
            )
            conn.execute(text("ANALYZE tickets"))
    finally:
        engine.dispose()


# The database's share: queries alone, and their plans ---------------------------------------------


def measure_queries(url: str, fixture: Fixture, rounds: int) -> list[Figure]:
    db = Database(build_engine(url, pool_size=2))
    figures = []
    try:
        for scenario in scenarios(fixture):
            latencies = []
            for _ in range(rounds):
                started = time.perf_counter()
                with db.reading() as session:
                    scenario.query(session)
                latencies.append((time.perf_counter() - started) * 1000)
            figures.append(Figure(f"{scenario.name}: p50", percentile(latencies, 50), "ms"))
            figures.append(
                at_most(f"{scenario.name}: p99", percentile(latencies, 99), "ms", scenario.target_ms)
            )
        for word, share in {**help_seed.SEARCH_WORDS, **EXTRA_SEARCHES}.items():
            for scope, org in (("org admin", fixture.big_org), ("all", None)):
                latencies = []
                for _ in range(max(5, rounds // 4)):
                    started = time.perf_counter()
                    with db.reading() as session:
                        tickets.list_tickets(session, organization_id=org, text=word, limit=26)
                    latencies.append((time.perf_counter() - started) * 1000)
                name = f"  search {word!r}, {scope} (~{share:.2%} of tickets): p99"
                figures.append(Figure(name, percentile(latencies, 99), "ms"))
    finally:
        db.engine.dispose()
    return figures


def explain(url: str, fixture: Fixture) -> None:
    """Runs each scenario's query once, recording the statements, then EXPLAINs each of them."""
    engine = build_engine(url, pool_size=1)
    seen: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not statement.startswith("EXPLAIN"):
            seen.append((statement, parameters))

    db = Database(engine)
    try:
        for scenario in scenarios(fixture):
            seen.clear()
            with db.reading() as session:
                scenario.query(session)
            print(f"\n### {scenario.name}")
            with engine.connect() as conn:
                for statement, parameters in list(seen):
                    plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    lines = [row[0] for row in plan]
                    print(_plan_summary(lines, parameters))
    finally:
        engine.dispose()
    sys.stdout.flush()


def _plan_summary(lines: Sequence[str], parameters: Any) -> str:
    wanted = re.compile(r"Scan|Sort|Limit|Execution Time|Recheck|Filter|Rows Removed|Nested Loop|Merge")
    kept = [line for line in lines if wanted.search(line)]
    return f"params {parameters}\n" + "\n".join("    " + line for line in kept)


# Over HTTP ----------------------------------------------------------------------------------------


class MailSink:
    """aiosmtpd handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: queue.Queue[EmailMessage] = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.put(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[str, MailSink]]:
    handler = MailSink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", handler
    finally:
        controller.stop()


@contextlib.contextmanager
def worker(env: dict[str, str]) -> Iterator[None]:
    """`assistdesk worker`: delivers the sign-in mail (serve runs with --no-worker, as in production)."""
    log = log_file("worker")
    process = subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        close_log(log, "worker")


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_LINK = re.compile(r"https?://[^/\s]+(/help/login/link\?token=[^\s]+)")


async def _csrf(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url) as response:
        body = await response.text()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status}")
    found = _CSRF.search(body)
    if not found:
        raise RuntimeError(f"GET {url}: no csrf_token in the form")
    return found.group(1)


async def sign_in_customer(session: aiohttp.ClientSession, base: str, mails: MailSink, address: str) -> None:
    csrf_token = await _csrf(session, f"{base}/help/login")
    async with session.post(
        f"{base}/help/login", data={"email": address, "csrf_token": csrf_token}
    ) as response:
        if response.status != 200:
            raise RuntimeError(f"POST /help/login: HTTP {response.status}")
    message = await asyncio.to_thread(mails.messages.get, True, 60)
    body = message.get_body(preferencelist=("plain",))
    content = body.get_content() if body is not None else ""
    link = _LINK.search(content)
    if not link:
        raise RuntimeError(f"no sign-in link in the mail: {content[:200]!r}")
    # The link shows a sign-in button (pressed by the page's script), so a mail scanner cannot use it up.
    async with session.get(base + link.group(1)) as response:
        page = await response.text()
        if response.status != 200:
            raise RuntimeError(f"sign-in link: HTTP {response.status}")
    link_token, csrf = _TOKEN.search(page), _CSRF.search(page)
    if not link_token or not csrf:
        raise RuntimeError("the sign-in link's page has no form")
    form = {"token": link_token.group(1), "csrf_token": csrf.group(1)}
    async with session.post(f"{base}/help/login/link", data=form) as response:
        if response.status != 200 or "/help/requests" not in str(response.url):
            raise RuntimeError(f"sign-in: HTTP {response.status} at {response.url}")


async def sign_in_agent(session: aiohttp.ClientSession, base: str) -> None:
    token = await _csrf(session, f"{base}/agent/login")
    form = {"email": AGENT_EMAIL, "password": AGENT_PASSWORD, "csrf_token": token}
    async with session.post(f"{base}/agent/login", data=form) as response:
        if response.status != 200 or "/agent/queue" not in str(response.url):
            raise RuntimeError(f"agent sign-in: HTTP {response.status} at {response.url}")


async def closed_loop(
    session: aiohttp.ClientSession, base: str, urls: Sequence[str], users: int, duration: float, think: float
) -> tuple[list[float], int]:
    """Each user asks, waits for the whole answer, then (with `think`) pauses 0.5-1.5 x think seconds."""
    latencies: list[float] = []
    failures = 0
    rotation = itertools.cycle(urls)
    deadline = time.perf_counter() + duration
    pauses = random.Random(7)

    async def user() -> None:
        nonlocal failures
        if think:
            await asyncio.sleep(pauses.uniform(0, think))  # users do not start in step
        while time.perf_counter() < deadline:
            url = base + next(rotation)
            started = time.perf_counter()
            async with session.get(url, allow_redirects=False) as response:
                await response.read()
                ok = response.status == 200
            latencies.append((time.perf_counter() - started) * 1000)
            failures += 0 if ok else 1
            if think:
                await asyncio.sleep(pauses.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(user() for _ in range(users)))
    return latencies, failures


@dataclass(frozen=True)
class Load:
    users: int
    think: float  # seconds between a user's requests (0.5-1.5 x), 0 for none

    @property
    def title(self) -> str:
        if self.users == 1:
            return "1 user, one request at a time (each page's own cost)"
        pause = f"{self.think:g} s think time" if self.think else "no think time (saturation)"
        return f"{self.users} users, closed loop, {pause}"


async def drive(
    base: str, mails: MailSink, fixture: Fixture, loads: Sequence[Load], duration: float
) -> dict[Load, list[Figure]]:
    def client() -> aiohttp.ClientSession:
        # unsafe: keep cookies from an IP-address host (127.0.0.1)
        connector = aiohttp.TCPConnector(limit=max(load.users for load in loads))
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True))

    figures: dict[Load, list[Figure]] = {load: [] for load in loads}
    async with client() as customer, client() as agent:
        await sign_in_customer(customer, base, mails, help_seed.BIG_ORG_ADMIN)
        await sign_in_agent(agent, base)
        sessions = {"customer": customer, "agent": agent}
        for load in loads:
            print(f"\n{load.title}:", flush=True)
            for scenario in scenarios(fixture):
                session = sessions[scenario.role]
                await closed_loop(session, base, scenario.urls, load.users, min(3.0, duration), 0)  # warm-up
                latencies, failures = await closed_loop(
                    session, base, scenario.urls, load.users, duration, load.think
                )
                rate = len(latencies) / duration
                label = f"{scenario.name} ({rate:,.0f}/s{f', {failures} not 200' if failures else ''})"
                found = [
                    Figure(f"{label}: p50", percentile(latencies, 50), "ms"),
                    at_most(f"{scenario.name}: p99", percentile(latencies, 99), "ms", scenario.target_ms),
                ]
                figures[load].extend(found)
                print("\n".join("  " + f.line(66) for f in found), flush=True)
    return figures


def measure_http(url: str, loads: Sequence[Load], duration: float) -> dict[Load, list[Figure]]:
    with smtp_sink() as (smtp_url, mails):
        # An http public URL: cookies are then not Secure, so the bench's client keeps them.
        env = base_env(url, ASSISTDESK_SMTP_URL=smtp_url, ASSISTDESK_PUBLIC_URL="http://127.0.0.1")
        fixture = load_fixture(url, AGENT_EMAIL)
        with worker(env), served(env, "--no-worker") as base:
            return asyncio.run(drive(base, mails, fixture, loads, duration))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=help_seed.DEFAULT_URL)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument(
        "--think", type=float, default=1.0, help="also run with this pause between a user's pages (0: skip)"
    )
    parser.add_argument("--rounds", type=int, default=100, help="repetitions per query (queries part)")
    parser.add_argument("--only", choices=("http", "queries", "explain"))
    args = parser.parse_args()

    prepare(args.url)
    print(f"# Help center bench: 1,000,000 tickets on PostgreSQL; load average at start {load_average()}")
    if args.only in (None, "http"):
        loads = [Load(1, 0.0), Load(args.users, 0.0)] + ([Load(args.users, args.think)] if args.think else [])
        for load, figures in measure_http(args.url, loads, args.duration).items():
            report(f"Pages over HTTP, {load.title}, {args.duration:g} s each", figures)
    fixture = load_fixture(args.url, AGENT_EMAIL)
    if args.only in (None, "queries"):
        report(
            "The database's share: each page's queries, alone",
            measure_queries(args.url, fixture, args.rounds),
        )
    if args.only in (None, "explain"):
        explain(args.url, fixture)
    print(f"\nload average at end {load_average()}")


if __name__ == "__main__":
    main()
