"""Response-time commitments at 1,000,000 tickets on PostgreSQL (issue 12).

    uv run python bench/sla.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench_sla]
                               [--rounds 200] [--only queries|http|scan|explain]

The database is bench/help_seed.py's shape (made on the first run when missing, about ten minutes),
in its own database so that other benches' databases stay at their own revision. `prepare` then gives
it response-time data once: organizations spread over the four plans (Bigcorp premium), half of them
in Asia/Tokyo; every ticket of a plan with a target gets its due time from the plan page's defaults
(business-hours targets approximated in calendar time: the shape, not the calendar, drives the cost),
most settled tickets answered (about 70 % in time), and a live backlog of 3,000 unanswered working
tickets due from an hour ago to seven hours ahead, so that Breaching soon and the scan have work.

Figures (targets from the issue):
- Breaching soon, the database's share (the queue, its count and the four other tab counts) and the
  page over HTTP (`serve --no-worker`, one signed-in agent, one request at a time): p99 < 50 ms;
- the SLA report, all time and since 90 days, alone and as the page: p99 < 500 ms;
- the warning scan: 60 scans one second apart, committed through the runtime (mails and webhook jobs
  enqueued for what falls due): database time per minute, and the plan of its query.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.db.types import utcnow
from assistdesk.db.uow import Database
from assistdesk.domain.sla.report import sla_report
from assistdesk.domain.sla.targets import DEFAULTS
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import Status
from assistdesk.runtime import build_runtime
from assistdesk.settings import Settings
from bench import help_seed
from bench.common import Figure, at_most, base_env, cli, percentile, report, served

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench_sla"
QUEUE_TARGET_MS = 50.0
REPORT_TARGET_MS = 500.0
LIVE_BACKLOG = 3000
AGENT_EMAIL = "sla-bench@vendor.example"
AGENT_PASSWORD = "sla bench password, long enough"
WITHIN = timedelta(hours=1)
WORKING = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


def ensure_seeded(url: str) -> None:
    help_seed.ensure_database(url)
    if not help_seed.is_seeded(url):
        print("seeding 1,000,000 tickets (once)", flush=True)
        help_seed.seed(url)
    engine = build_engine(url, pool_size=1)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def prepare(url: str) -> None:
    engine = build_engine(url, pool_size=1)
    try:
        with engine.begin() as conn:
            done = conn.execute(text("SELECT count(*) FROM tickets WHERE sla_plan IS NOT NULL")).scalar()
        if not done:
            began = time.perf_counter()
            targets = ", ".join(
                f"('{plan.value}', '{severity.value}', {target.seconds * (3.73 if target.business_hours else 1):.0f})"
                for (plan, severity), target in DEFAULTS.items()
            )
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE organizations SET plan = CASE WHEN id = 1 THEN 'premium'"
                        " ELSE (ARRAY['basic','developer','enterprise','premium'])[id % 4 + 1] END,"
                        " timezone = CASE WHEN id % 2 = 0 THEN 'Asia/Tokyo' ELSE 'UTC' END"
                    )
                )
                conn.execute(
                    text(
                        f"WITH t(plan, severity, secs) AS (VALUES {targets})"  # noqa: S608 (our constants)
                        " UPDATE tickets k SET sla_plan = o.plan,"
                        " first_response_due_at = k.created_at + make_interval(secs => t.secs),"
                        " first_response_at = CASE WHEN k.status IN ('resolved', 'closed') OR k.id % 3 = 0"
                        "   THEN k.created_at + make_interval(secs => t.secs * (0.1 + (k.id % 13) / 10.0)) END,"
                        " sla_stage = 2, sla_next_at = NULL"
                        " FROM organizations o, t"
                        " WHERE o.id = k.organization_id AND t.plan = o.plan AND t.severity = k.severity"
                    )
                )
                conn.execute(text("UPDATE tickets SET sla_plan = 'basic' WHERE sla_plan IS NULL"))
            print(f"response-time data written in {time.perf_counter() - began:,.0f} s", flush=True)
        # The live backlog: re-dated on every run, so that the queue and the scan see the same shape.
        with engine.begin() as conn:
            conn.execute(
                text(
                    "WITH live AS (SELECT id FROM tickets WHERE first_response_at IS NULL"
                    "   AND first_response_due_at IS NOT NULL"
                    "   AND status IN ('open', 'in_progress', 'waiting_on_customer')"
                    "   ORDER BY id DESC LIMIT :n)"
                    " UPDATE tickets k SET"
                    "  first_response_due_at = now() + make_interval(mins => (k.id % 480)::int - 60),"
                    "  sla_stage = CASE WHEN (k.id % 480) < 60 THEN 2 ELSE 0 END,"
                    "  sla_next_at = CASE WHEN (k.id % 480) < 60 THEN NULL"
                    "    ELSE now() + make_interval(mins => (k.id % 480)::int - 66) END"
                    " FROM live WHERE k.id = live.id"
                ),
                {"n": LIVE_BACKLOG},
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tickets"))
            conn.execute(text("VACUUM ANALYZE organizations"))
    finally:
        engine.dispose()


def _timed(fn: object, rounds: int) -> list[float]:
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _figures(name: str, latencies: list[float], target: float) -> list[Figure]:
    return [
        Figure(f"{name}: p50", percentile(latencies, 50), "ms"),
        at_most(f"{name}: p99", percentile(latencies, 99), "ms", target),
    ]


def measure_queries(url: str, rounds: int) -> list[Figure]:
    db = Database(build_engine(url, pool_size=2))
    since = utcnow() - timedelta(days=90)
    tabs = {
        "new": {"statuses": (Status.OPEN,), "unassigned": True},
        "waiting": {"statuses": (Status.WAITING_ON_CUSTOMER,)},
        "all": {},
    }

    def breaching() -> None:
        with db.reading() as session:
            found = tickets.list_by_due(session, breaching_within=WITHIN, limit=51)
            tickets.count_breaching(session, within=WITHIN)
            tickets.count_many(session, tabs)
            assert found

    def new_queue() -> None:
        with db.reading() as session:
            tickets.list_by_due(session, statuses=(Status.OPEN,), unassigned=True, limit=51)

    def report_all() -> None:
        with db.reading() as session:
            sla_report(session, since=None, now=utcnow())

    def report_recent() -> None:
        with db.reading() as session:
            sla_report(session, since=since, now=utcnow())

    try:
        figures = _figures(
            "Breaching soon (queue + its count + tab counts)", _timed(breaching, rounds), QUEUE_TARGET_MS
        )
        figures += _figures("New queue by due time", _timed(new_queue, rounds), QUEUE_TARGET_MS)
        figures += _figures(
            "SLA report, all time (1,000,000 tickets)",
            _timed(report_all, max(10, rounds // 10)),
            REPORT_TARGET_MS,
        )
        figures += _figures(
            "SLA report, last 90 days", _timed(report_recent, max(10, rounds // 4)), REPORT_TARGET_MS
        )
    finally:
        db.engine.dispose()
    return figures


def measure_scan(url: str) -> list[Figure]:
    runtime = build_runtime(
        Settings(database_url=url, secret_key="bench-secret-key-" + "b" * 32),  # type: ignore[call-arg]
        run_migrations=False,
    )
    bridge = runtime.sla
    try:
        while bridge.scan():  # catch up with what fell due before this run
            pass
        start = utcnow()
        durations, announced = [], 0
        for second in range(60):
            began = time.perf_counter()
            announced += len(bridge.scan(start + timedelta(seconds=second)))
            durations.append((time.perf_counter() - began) * 1000)
        # The same minute, had it been a busy one: every due time of the next hour falls in it.
        busy, busy_announced = [], 0
        for second in range(60):
            began = time.perf_counter()
            busy_announced += len(bridge.scan(start + timedelta(minutes=second + 1)))
            busy.append((time.perf_counter() - began) * 1000)
    finally:
        runtime.db.dispose()
    return [
        Figure(f"scan, a quiet minute: database time ({announced} announced)", sum(durations), "ms/min"),
        Figure("scan, a quiet minute: one scan p99", percentile(durations, 99), "ms"),
        Figure(
            f"scan, an hour of due times in a minute: time ({busy_announced} announced)", sum(busy), "ms/min"
        ),
        Figure("scan, that minute: one scan p99", percentile(busy, 99), "ms"),
    ]


def explain(url: str) -> None:
    engine = build_engine(url, pool_size=1)
    now = datetime.now(UTC).replace(tzinfo=None)
    statements = {
        "scan": "SELECT id FROM tickets WHERE sla_next_at <= :now ORDER BY sla_next_at LIMIT 200",
        "breaching soon": (
            "SELECT id FROM tickets WHERE first_response_at IS NULL"
            " AND status IN ('open', 'in_progress', 'waiting_on_customer')"
            " AND first_response_due_at > :now AND first_response_due_at <= :soon"
            " ORDER BY first_response_due_at, id LIMIT 51"
        ),
    }
    try:
        with engine.connect() as conn:
            for name, sql in statements.items():
                plan = conn.execute(
                    text("EXPLAIN (ANALYZE, BUFFERS) " + sql), {"now": now, "soon": now + WITHIN}
                ).scalars()
                print(f"\n-- {name}")
                for line in plan:
                    print(line)
    finally:
        engine.dispose()


def _sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/agent/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post(
        "/agent/login", data={"email": AGENT_EMAIL, "password": AGENT_PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text
    return client


def measure_http(url: str, rounds: int) -> list[Figure]:
    env = base_env(url, ASSISTDESK_PUBLIC_URL="http://127.0.0.1")  # plain-HTTP cookies for the bench client
    try:
        cli(env, "agent", "add", AGENT_EMAIL, "--name", "SLA Bench", "--password-stdin", stdin=AGENT_PASSWORD)
    except RuntimeError as exc:
        if "already exists" not in str(exc):
            raise
    figures: list[Figure] = []
    with served(env, "--no-worker") as base:
        client = _sign_in(base)
        for name, path, target, n in (
            ("page /agent/queue/breaching", "/agent/queue/breaching", QUEUE_TARGET_MS, rounds),
            ("page /agent/queue/new", "/agent/queue/new", QUEUE_TARGET_MS, rounds),
            (
                "page /agent/reports/sla (default: the last 90 days)",
                "/agent/reports/sla",
                REPORT_TARGET_MS,
                max(10, rounds // 4),
            ),
            ("page /agent/reports/sla?since= (all time)", "/agent/reports/sla?since=", REPORT_TARGET_MS, 5),
            (
                "CSV /agent/reports/sla?format=csv&since=90 days ago",
                f"/agent/reports/sla?format=csv&since={(utcnow() - timedelta(days=90)):%Y-%m-%d}",
                REPORT_TARGET_MS,
                max(10, rounds // 4),
            ),
        ):
            client.get(path)  # warm

            def get(p: str = path) -> None:
                assert client.get(p).status_code == 200

            figures += _figures(name, _timed(get, n), target)
        client.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--only", choices=("queries", "http", "scan", "explain"))
    args = parser.parse_args()
    ensure_seeded(args.url)
    prepare(args.url)
    with open("/proc/loadavg") as f:
        print(f"load average before: {f.read().split()[:3]}")
    if args.only in (None, "queries"):
        report("Database share at 1,000,000 tickets (PostgreSQL)", measure_queries(args.url, args.rounds))
    if args.only in (None, "scan"):
        report("Warning and breach scan at 1,000,000 tickets", measure_scan(args.url))
    if args.only in (None, "http"):
        report("Pages over HTTP, one agent, one request at a time", measure_http(args.url, args.rounds))
    if args.only in (None, "explain"):
        explain(args.url)


if __name__ == "__main__":
    main()
