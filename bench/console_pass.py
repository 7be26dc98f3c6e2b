"""The agent console at 1,000,000 tickets (issue 14, item 4): 20 agents, each signed in with a session
of their own, pausing about a second between pages (0.5-1.5 s, as people reading do), moving through
the queues and tickets' pages. Target: p99 < 50 ms per page.

    uv run python bench/console_pass.py [--url postgresql+psycopg://postgres@127.0.0.1:5432/assistdesk_bench]
                                        [--trees .,/work/main] [--agents 20] [--duration 30] [--think 1]

The database is bench/help_seed.py's (made on the first run; reused after), the bench agent
bench/help_bench.py's. Each checkout in `--trees` is served in turn (`serve --no-worker`, that
checkout first on the path, as bench/console_cpu.py does) for `--duration` seconds after a short
warm-up. Every agent cycles through the pages of `pass_of` from its own starting point, so at any
moment the agents look at different pages. Printed per checkout: p50 and p99 of each page kind and
of all pages (the whole request seen by the client), and the server's CPU per page.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import help_seed
from bench.common import ROOT, Figure, at_most, percentile, report
from bench.console_cpu import _cpu_seconds, serve
from bench.help_bench import AGENT_EMAIL, Fixture, load_average, load_fixture, prepare, sign_in_agent

TARGET_MS = 50.0


def pass_of(f: Fixture) -> list[tuple[str, str]]:
    """An agent's round: (page kind, path). The queues, then tickets' pages in between, as an agent
    opens a ticket from a queue, and now and then an older page of All."""
    tickets = [("ticket", f"/agent/tickets/{key}") for key in f.ticket_keys[:40]]
    deep = [("queue All, older page", f"/agent/queue/all?before={i}") for i in f.deep_ids[:10]]
    queues = [
        ("queue New", "/agent/queue/new"),
        ("queue Mine", "/agent/queue/mine"),
        ("queue Waiting", "/agent/queue/waiting"),
        ("queue All", "/agent/queue/all"),
        ("queue Breaching soon", "/agent/queue/breaching"),
    ]
    rounds = []
    for n, ticket in enumerate(tickets):
        rounds.append(queues[n % len(queues)])
        rounds.append(ticket)
        if n % 4 == 3:
            rounds.append(deep[(n // 4) % len(deep)])
    return rounds


async def agent_pass(
    base: str,
    sessions: list[aiohttp.ClientSession],
    pages: list[tuple[str, str]],
    duration: float,
    think: float,
    seed: int,
) -> dict[str, list[float]]:
    """Each session an agent: a page, a pause, the next page, until `duration` is over."""
    latencies: dict[str, list[float]] = {}
    failures = 0
    pauses = random.Random(seed)

    async def agent(number: int, session: aiohttp.ClientSession) -> None:
        nonlocal failures
        rotation = itertools.islice(itertools.cycle(pages), number * len(pages) // len(sessions), None)
        await asyncio.sleep(pauses.uniform(0, think))  # agents do not start in step
        deadline = time.perf_counter() + duration
        for kind, path in rotation:
            if time.perf_counter() >= deadline:
                return
            started = time.perf_counter()
            async with session.get(base + path, allow_redirects=False) as response:
                await response.read()
                failures += response.status != 200
            latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(pauses.uniform(0.5 * think, 1.5 * think))

    await asyncio.gather(*(agent(n, s) for n, s in enumerate(sessions)))
    if failures:
        raise RuntimeError(f"{failures} pages answered other than 200")
    return latencies


async def signed_in_pass(
    pid: int, base: str, pages: list[tuple[str, str]], args: argparse.Namespace
) -> tuple[dict[str, list[float]], float]:
    """The agents sign in (outside the measure: a password check is slow on purpose), warm the
    server up, then make the measured pass. Returns its latencies and the server's CPU seconds."""
    sessions = [
        # unsafe: keep cookies from an IP-address host (127.0.0.1)
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        for _ in range(args.agents)
    ]
    try:
        for session in sessions:
            await sign_in_agent(session, base)
        await agent_pass(base, sessions, pages, min(5.0, args.duration), args.think, 1)
        before = _cpu_seconds(pid)
        latencies = await agent_pass(base, sessions, pages, args.duration, args.think, 2)
        return latencies, _cpu_seconds(pid) - before
    finally:
        for session in sessions:
            await session.close()


def measure(tree: Path, url: str, pages: list[tuple[str, str]], args: argparse.Namespace) -> list[Figure]:
    with serve(tree, url) as (pid, base):
        latencies, cpu = asyncio.run(signed_in_pass(pid, base, pages, args))
    every = [t for found in latencies.values() for t in found]
    figures = [
        Figure(f"all pages ({len(every) / args.duration:,.0f}/s): p50", percentile(every, 50), "ms"),
        at_most("all pages: p99", percentile(every, 99), "ms", TARGET_MS),
        Figure("server CPU per page", cpu * 1000 / len(every), "ms"),
    ]
    for kind, found in sorted(latencies.items()):
        figures.append(Figure(f"{kind} ({len(found)}): p50", percentile(found, 50), "ms"))
        figures.append(at_most(f"{kind}: p99", percentile(found, 99), "ms", TARGET_MS))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default=help_seed.DEFAULT_URL)
    parser.add_argument("--trees", default=str(ROOT), help="checkouts served in turn, comma-separated")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between an agent's pages")
    args = parser.parse_args()

    prepare(args.url)
    pages = pass_of(load_fixture(args.url, AGENT_EMAIL))
    print(f"# Console pass: 1,000,000 tickets on PostgreSQL; load average at start {load_average()}")
    for tree in [Path(t).resolve() for t in args.trees.split(",")]:
        title = f"{tree}: {args.agents} agents, {args.think:g} s think time, {args.duration:g} s"
        report(title, measure(tree, args.url, pages, args))
    print(f"\nload average at end {load_average()}")


if __name__ == "__main__":
    main()
