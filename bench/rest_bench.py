"""REST API figures (issues 2 and 14): create-ticket and add-comment throughput, latency and the
server's CPU per request at 50 concurrent clients, on SQLite and PostgreSQL (and MariaDB for reference).

    uv run python bench/rest_bench.py [--backends sqlite,postgresql,mariadb] [--duration 20] [--rate 100]
        [--trees /path/to/before,/path/to/after] [--rounds 2] [--no-paced]

`--trees` serves each source tree in turn (its `assistdesk` package first on PYTHONPATH, this tree's
interpreter and dependencies), alternating them `--rounds` times in one run, each on a fresh database,
so that a before/after comparison shares the machine's state. CPU ms/request is the server process's
user+system time (all its threads, the in-process worker included) over a closed-loop phase, divided
by the requests answered in it.

Two loads, each with 50 concurrent clients (aiohttp, whose client costs a fifth of httpx's CPU: the
load generator shares the machine's two cores with the server and the database):
- closed loop: each client sends its next request when the previous one answered; gives the
  throughput ceiling, and latency under saturation;
- fixed rate: the 50 clients together offer `--rate` requests per second (open loop, latency counted
  from when each request was due, so a stall is not hidden).
The server is `assistdesk serve` with its in-process worker and one webhook subscription, so every
write also enqueues an outbox job, as it would with Slack or Lark connected.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    Figure,
    at_most,
    base_env,
    cli,
    client_connector,
    database,
    percentile,
    report,
    serving,
)
from bench.outbox_bench import sink

CLIENTS = 50
TICKETS = 50


def setup(env: dict[str, str], base: str, sink_url: str) -> str:
    cli(env, "org", "create", "Acme", "--plan", "premium", "--domain", "acme.example")
    cli(env, "contact", "add", "ann@acme.example", "--org", "Acme")
    cli(env, "agent", "add", "eve@vendor.example", "--name", "Eve", "--admin")
    cli(env, "webhook", "add", f"{sink_url}/all")
    return cli(env, "token", "create", "--agent", "eve@vendor.example").strip().splitlines()[-1]


Request = Callable[[aiohttp.ClientSession, int], "asyncio.Future[None] | object"]


async def create_ticket(session: aiohttp.ClientSession, base: str, n: int) -> None:
    body = {
        "org": "Acme",
        "reporter_email": "ann@acme.example",
        "title": f"bench {n}",
        "description": "x" * 200,
    }
    async with session.post(f"{base}/api/v1/tickets", json=body) as response:
        await response.read()
        if response.status != 201:
            raise RuntimeError(f"create: HTTP {response.status}")


async def add_comment(session: aiohttp.ClientSession, base: str, n: int) -> None:
    key = f"SUP-{n % TICKETS + 1}"
    async with session.post(
        f"{base}/api/v1/tickets/{key}/comments", json={"body": f"comment {n}"}
    ) as response:
        await response.read()
        if response.status != 201:
            raise RuntimeError(f"comment: HTTP {response.status}")


async def closed_loop(base: str, token: str, op, duration: float) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    counter = itertools.count()
    deadline = time.perf_counter() + duration
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {token}"}, connector=connector
    ) as session:

        async def client() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await op(session, base, next(counter))
                latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - began
    return latencies, len(latencies) / elapsed


async def fixed_rate(base: str, token: str, op, rate: float, duration: float) -> list[float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    counter = itertools.count()
    async with aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {token}"}, connector=client_connector(CLIENTS)
    ) as session:
        start = time.perf_counter()
        tasks = []

        async def one(due: float) -> None:
            await op(session, base, next(counter))
            latencies.append(time.perf_counter() - due)

        for i in range(int(rate * duration)):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            tasks.append(asyncio.create_task(one(due)))
        await asyncio.gather(*tasks)
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads (proc(5): fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve_tree(env: dict[str, str], tree: Path) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """`assistdesk serve` from `tree`'s sources; yields its base URL and process id."""
    return serving(env, cwd=tree)


def measure(backend: str, duration: float, rate: float, tree: Path, label: str, paced: bool) -> list[Figure]:
    figures: list[Figure] = []
    os.chdir(tree)  # `python -m assistdesk` (the CLI calls too) finds the current directory first
    with database(backend) as url, sink() as sink_url:
        env = base_env(url, PYTHONPATH=str(tree))
        with serve_tree(env, tree) as (base, pid):
            token = setup(env, base, sink_url)
            asyncio.run(closed_loop(base, token, create_ticket, 3))  # warm-up, and tickets to comment on
            for name, op in (("create ticket", create_ticket), ("add comment", add_comment)):
                cpu_before = cpu_seconds(pid)
                lat, throughput = asyncio.run(closed_loop(base, token, op, duration))
                cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, len(lat))
                ms = [x * 1000 for x in lat]
                head = f"{label}{backend} {name}, 50 clients closed loop"
                figures.append(Figure(f"{head}: throughput", throughput, "req/s"))
                figures.append(Figure(f"{head}: server CPU per request", cpu_ms, "ms"))
                figures.append(
                    Figure(
                        "  p50 / p99 (saturated)",
                        percentile(ms, 50),
                        "ms",
                        f"p99 {percentile(ms, 99):,.1f} ms",
                    )
                )
                if not paced:
                    continue
                paced_ms = [x * 1000 for x in asyncio.run(fixed_rate(base, token, op, rate, duration))]
                target = 25.0 if (backend == "postgresql" and name == "create ticket") else None
                at_rate = f"{label}{backend} {name}, 50 clients at {rate:g} req/s"
                figures.append(Figure(f"{at_rate}: p50", percentile(paced_ms, 50), "ms"))
                figures.append(
                    at_most(f"{at_rate}: p99", percentile(paced_ms, 99), "ms", target)
                    if target
                    else Figure(f"{at_rate}: p99", percentile(paced_ms, 99), "ms")
                )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql,mariadb")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=100.0, help="offered load for the fixed-rate run")
    parser.add_argument("--trees", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--rounds", type=int, default=1, help="times each tree is measured, alternating")
    parser.add_argument("--no-paced", action="store_true", help="closed loop only")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    figures: list[Figure] = []
    for backend in args.backends.split(","):
        for round_ in range(1, args.rounds + 1):
            for tree in trees:
                label = f"[{tree.name} #{round_}] " if len(trees) > 1 or args.rounds > 1 else ""
                figures.extend(measure(backend, args.duration, args.rate, tree, label, not args.no_paced))
    report("REST API at 50 concurrent clients", figures)


if __name__ == "__main__":
    main()
