"""Ack latency of POST /slack/events, beside a Bolt app that only acks; durable acks per second.

    uv run python bench/slack_ack.py [--duration 10] [--backends sqlite,postgresql]

For each database: `assistdesk serve` (delivery worker in-process, as deployed) pointed at a fake
Slack Web API; signed `reaction_added` (🎫 on a message in a connected channel) and thread-reply
events (in a ticket's thread), each with a fresh event_id, sent open-loop at 100 and 500 requests/s.
Every acknowledged event is committed with its outbox job before its 200. The same events go to the
baseline (bench/slack_bolt_baseline.py) and the ratio of the p99s is the figure. Last, on PostgreSQL,
a closed loop measures how many events per second are acknowledged durably, and checks that each
acknowledged event is in the database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    ROOT,
    Figure,
    at_least,
    at_most,
    base_env,
    cli,
    client_connector,
    close_log,
    database,
    free_port,
    log_file,
    open_loop,
    percentile,
    report,
    served,
    wait_ready,
)
from tests.fakes.slack_api import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-bench-token"
TEAM, CHANNEL, ROOT_TS = "T0A1B2C3D4", "C0SUPPORT01", "1767225600.000100"
FIXTURES = ROOT / "tests" / "fixtures" / "slack"
VERIFIER = SignatureVerifier(SECRET)


_SERIAL = itertools.count(1)


class Events:
    """Fresh, signed events: each has its own event_id (and ts), as Slack's would."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.reaction = json.loads((FIXTURES / "reaction_added.json").read_text())
        self.reply = json.loads((FIXTURES / "message.thread_reply.json").read_text())

    def _signed(self, body: dict) -> tuple[bytes, dict[str, str]]:  # type: ignore[type-arg]
        raw = json.dumps(body)
        ts = str(int(time.time()))
        return raw.encode(), {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": VERIFIER.generate_signature(timestamp=ts, body=raw) or "",
        }

    def next(self, kind: str) -> tuple[bytes, dict[str, str]]:
        n = next(_SERIAL)
        if kind == "reaction_added":
            body = {**self.reaction, "event_id": f"Ev{self.prefix}R{n}"}
        else:
            event = {**self.reply["event"], "ts": f"1767300000.{n:06d}", "client_msg_id": None}
            body = {**self.reply, "event_id": f"Ev{self.prefix}M{n}", "event": event}
        return self._signed(body)


async def measure(
    url: str, kind: str, rate: float, duration: float, events: Events
) -> tuple[list[float], int]:
    failures = 0
    async with aiohttp.ClientSession(connector=client_connector(512)) as session:

        async def fire() -> None:
            nonlocal failures
            body, headers = events.next(kind)
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    failures += 1

        await open_loop(50, 1.0, fire)  # warm-up: connections, caches, the bot identity
        latencies = await open_loop(rate, duration, fire)
    return latencies, failures


async def closed_loop(
    url: str, seconds: float, concurrency: int, events: Events
) -> tuple[dict[str, int], int, float]:
    ok = {"reaction_added": 0, "message": 0}
    failed = 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def client(i: int) -> None:
            nonlocal failed
            kind = "reaction_added" if i % 2 else "message"
            while time.perf_counter() < deadline:
                body, headers = events.next(kind)
                async with session.post(f"{url}/slack/events", data=body, headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        ok[kind] += 1
                    else:
                        failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return ok, failed, elapsed


def fake_slack() -> FakeSlack:
    """The fake Web API with the bench's workspace, its customer and the ticket thread's root."""
    fake = FakeSlack()
    fake.add_workspace(TEAM, TOKEN)
    fake.add_user("U0CUST0001", name="Jamie Rivera", email="jamie@acme.example")
    fake.add_message(CHANNEL, ROOT_TS, user="U0CUST0001", text="Login page returns 500")
    return fake


def slack_env(fake: FakeSlack) -> dict[str, str]:
    return {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": fake.api_url}


@contextlib.contextmanager
def seeded_desk(backend: str = "postgresql") -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated, seeded database pointed at a fake Slack: (its URL, the environment to serve it)."""
    fake = fake_slack()
    try:
        with database(backend) as url:
            env = base_env(url, **slack_env(fake))
            cli(env, "db", "upgrade")
            seed(env, url)
            yield url, env
    finally:
        fake.close()


def seed(env: dict[str, str], db_url: str) -> None:
    cli(env, "org", "create", "Acme", "--plan", "premium", "--domain", "acme.example")
    cli(env, "org", "enable", "Acme", "slack")
    cli(env, "connect", "slack", "--org", "Acme", "--team", TEAM, "--channel", CHANNEL)
    # A ticket whose thread the replies land in (as the 🎫 form would have made it).
    from assistdesk.bridge import chat
    from assistdesk.bridge.chat import ChatPerson, ChatPlace
    from assistdesk.domain.links.models import ChatPlatform
    from assistdesk.runtime import build_runtime
    from assistdesk.settings import Settings

    runtime = build_runtime(Settings(database_url=db_url, secret_key=env["ASSISTDESK_SECRET_KEY"]))
    runtime.db.run(
        lambda uow: chat.open_request(
            uow,
            place=ChatPlace(ChatPlatform.SLACK, TEAM, CHANNEL),
            requester=ChatPerson("U0CUST0001", "jamie", "jamie@acme.example", "en-US"),
            reporter_email="jamie@acme.example",
            title="Login page returns 500",
            description="",
            severity="S3",
            thread_root=ROOT_TS,
            prefix="SUP",
            public_url=env["ASSISTDESK_PUBLIC_URL"],
        )
    )
    runtime.db.dispose()


@contextlib.contextmanager
def baseline(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    log = log_file("baseline")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.slack_bolt_baseline:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, "baseline", timeout=30, log=log)
        yield base
    finally:
        process.terminate()
        process.wait(30)
        close_log(log, "baseline")


def ms(values: list[float], p: float) -> float:
    return percentile(values, p) * 1000


def run_rates(
    url: str, label: str, duration: float, events: Events, results: dict[tuple[str, str, int], list[float]]
) -> list[Figure]:
    figures = []
    for rate in (100, 500):
        for kind in ("reaction_added", "message"):
            latencies, failed = asyncio.run(measure(url, kind, rate, duration, events))
            results[(label, kind, rate)] = latencies
            name = f"{label} {kind} @{rate}/s"
            figures.append(Figure(f"{name} p50", ms(latencies, 50), "ms"))
            p99 = ms(latencies, 99)
            figures.append(
                at_most(f"{name} p99", p99, "ms", 50)
                if label.startswith("postgresql") and rate == 500
                else Figure(f"{name} p99", p99, "ms")
            )
            if failed:
                figures.append(Figure(f"{name} non-200 answers", failed, "requests", "0", False))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--throughput-seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="serve --no-worker: the ack path alone, deliveries left waiting",
    )
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    fake = fake_slack()
    environment = slack_env(fake)
    results: dict[tuple[str, str, int], list[float]] = {}
    print(
        f"# Slack ack latency, {args.duration:.0f} s per rate and event type, {os.cpu_count()} cores shared "
        "with the load generator and the fake Slack"
    )
    try:
        if not args.skip_baseline:
            with database("sqlite") as base_url, baseline(base_env(base_url, **environment)) as url:
                report(
                    "Bolt-only baseline (acks, does nothing)",
                    run_rates(url, "bolt-only", args.duration, Events("B"), results),
                )
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            with database(backend) as db_url:
                env = base_env(db_url, **environment)
                seed(env, db_url)
                with served(env, *(["--no-worker"] if args.no_worker else [])) as url:
                    figures = run_rates(url, backend, args.duration, Events(backend[:2].upper()), results)
                    for rate in (100, 500):
                        for kind in ("reaction_added", "message"):
                            ours = ms(results[(backend, kind, rate)], 99)
                            if ("bolt-only", kind, rate) not in results:
                                continue
                            base = ms(results[("bolt-only", kind, rate)], 99)
                            figures.append(
                                at_most(
                                    f"{backend} {kind} @{rate}/s p99 / Bolt-only p99", ours / base, "x", 1.5
                                )
                            )
                    if backend == "postgresql":
                        figures += throughput(url, db_url, args.throughput_seconds)
                    worker = "without its worker" if args.no_worker else "with its worker"
                    report(f"assistdesk serve on {backend}, {worker}", figures)
    finally:
        fake.close()


def throughput(url: str, db_url: str, seconds: float) -> list[Figure]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM inbound_receipts")).scalar() or 0
    ok, failed, elapsed = asyncio.run(closed_loop(url, seconds, 64, Events("TP")))
    time.sleep(0.5)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT count(*) FROM inbound_receipts")).scalar() or 0
    engine.dispose()
    # Each reaction claims its event_id, each reply its (channel, ts): one receipt per event.
    recorded = after - before
    expected = ok["reaction_added"] + ok["message"]
    return [
        at_least("postgresql events acknowledged durably", sum(ok.values()) / elapsed, "events/s", 1000),
        Figure("postgresql non-200 answers under saturation", failed, "requests", "0", failed == 0),
        Figure(
            "postgresql acknowledged events missing from the database",
            max(0, expected - recorded),
            "events",
            "0",
            recorded >= expected,
        ),
    ]


if __name__ == "__main__":
    main()
