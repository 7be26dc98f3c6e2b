"""Outbox figures (issue 2): throughput, commit-to-delivery latency, and a kill -9 mid-run.

    uv run python bench/outbox_bench.py                      # everything
    uv run python bench/outbox_bench.py --only throughput     # or: latency, kill

- Throughput: N jobs over D webhook destinations pre-enqueued on PostgreSQL, drained by 1 then 2
  `assistdesk worker` processes into an instant loopback sink (its own process).
- Latency: comments posted through the REST API at a steady rate to `assistdesk serve` (worker
  in-process, the default deployment) on each database; the sink measures from the comment's
  commit-time stamp to arrival. On PostgreSQL also with the worker in a separate process (woken by
  NOTIFY), the scaled-out deployment.
- Kill: 10,000 jobs, a worker killed with SIGKILL after 3,000, a new worker started at once: lost,
  duplicated, and how long the killed worker's destinations waited (target: lease + 10 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistdesk.db.base import table_of
from assistdesk.domain.webhooks import service as webhooks
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob
from assistdesk.outbox.models import OutboxDestination
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings
from bench.common import (
    Figure,
    at_least,
    at_most,
    base_env,
    cli,
    database,
    free_port,
    open_loop,
    percentile,
    report,
    served,
)

HERE = Path(__file__).resolve().parent
TICKETS = 20


@contextmanager
def sink() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "sink_server.py"), str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/stats", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def stats(base: str, arrivals: bool = False) -> dict:  # type: ignore[type-arg]
    return httpx.get(f"{base}/stats", params={"arrivals": "1"} if arrivals else None, timeout=30).json()  # type: ignore[no-any-return]


def wait_for(base: str, count: int, timeout: float) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    current = stats(base)
    while current["unique"] < count and time.monotonic() < deadline:
        time.sleep(0.2)
        current = stats(base)
    return current


def runtime_for(db_url: str) -> Runtime:
    env = base_env(db_url)
    return build_runtime(
        Settings(database_url=db_url, secret_key=env["ASSISTDESK_SECRET_KEY"], webhook_allow_private=True)
    )


def add_hooks(rt: Runtime, sink_url: str, count: int) -> list[int]:
    def add(uow):  # type: ignore[no-untyped-def]
        return [
            webhooks.add_webhook(uow, url=f"{sink_url}/d{i}", secret_ciphertext=rt.secrets.encrypt("s")).id
            for i in range(count)
        ]

    return rt.db.run(add)  # type: ignore[no-any-return]


def enqueue_jobs(rt: Runtime, hooks: list[int], count: int, *, batch: int = 500) -> None:
    for start in range(0, count, batch):

        def add(uow, start=start):  # type: ignore[no-untyped-def]
            enqueue(
                uow,
                [
                    NewJob(
                        destination=f"webhook:{hooks[n % len(hooks)]}",
                        kind="webhook.event",
                        payload={"webhook_id": hooks[n % len(hooks)], "event": "bench", "body": {"n": n}},
                        idempotency_key=uuid.uuid4().hex,
                    )
                    for n in range(start, min(count, start + batch))
                ],
            )

        rt.db.run(add)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "worker"], env=env, stderr=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()


# Throughput ----------------------------------------------------------------------------------------


def throughput(jobs: int, destinations: int) -> list[Figure]:
    figures: list[Figure] = []
    for workers in (1, 2):
        with database("postgresql") as url, sink() as sink_url:
            env = base_env(url)
            cli(env, "db", "upgrade")
            rt = runtime_for(url)
            hooks = add_hooks(rt, sink_url, destinations)
            enqueue_jobs(rt, hooks, jobs)
            rt.db.dispose()
            started = time.monotonic()
            processes = [start_worker(env) for _ in range(workers)]
            try:
                final = wait_for(sink_url, jobs, timeout=600)
            finally:
                for p in processes:
                    stop(p)
            elapsed = final["last_at"] - final["first_at"]
            rate = final["unique"] / elapsed if elapsed > 0 else float("nan")
            print(
                f"  {workers} worker(s): {final['unique']} jobs in {elapsed:.1f} s "
                f"(wall {time.monotonic() - started:.1f} s incl. start-up)",
                flush=True,
            )
            figures.append(
                at_least(f"PostgreSQL, {workers} worker process(es): jobs/s", rate, "jobs/s", 1000)
            )
            figures.append(at_most(f"  lost ({workers} worker(s))", jobs - final["unique"], "jobs", 1))
            figures.append(
                at_most(
                    f"  delivered concurrently to one destination ({workers})", final["overlaps"], "times", 1
                )
            )
            figures.append(Figure(f"  duplicates ({workers} worker(s))", final["duplicates"], "jobs"))
    return figures


# Latency -------------------------------------------------------------------------------------------


async def post_comments(base: str, token: str, rate: float, duration: float) -> None:
    async with httpx.AsyncClient(
        base_url=f"{base}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=50),
    ) as client:
        sequence = iter(range(10**9))

        async def fire() -> None:
            # Spread over tickets: comments on one ticket serialise on its row, which is not the
            # outbox's doing and not what production traffic looks like.
            key = f"SUP-{next(sequence) % TICKETS + 1}"
            response = await client.post(f"/tickets/{key}/comments", json={"body": "bench"})
            response.raise_for_status()

        await open_loop(rate, duration, fire)


def setup_desk(env: dict[str, str], sink_url: str) -> str:
    cli(env, "org", "create", "Acme", "--plan", "premium", "--domain", "acme.example")
    cli(env, "contact", "add", "ann@acme.example", "--org", "Acme")
    cli(env, "agent", "add", "eve@vendor.example", "--name", "Eve", "--admin")
    token = cli(env, "token", "create", "--agent", "eve@vendor.example").strip().splitlines()[-1]
    cli(env, "webhook", "add", f"{sink_url}/comments", "--event", "comment.added")
    for _ in range(TICKETS):
        httpx.post(
            f"{env['_BASE']}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            json={"org": "Acme", "reporter_email": "ann@acme.example", "title": "bench"},
            timeout=30,
        ).raise_for_status()
    return token


def latency(backends: list[str], rate: float, duration: float) -> list[Figure]:
    figures: list[Figure] = []
    targets = {"postgresql": (20.0, 100.0), "sqlite": (None, 300.0), "mariadb": (None, 300.0)}
    for backend in backends:
        with database(backend) as url, sink() as sink_url:
            env = base_env(url)
            with served(env) as base:
                env["_BASE"] = base
                token = setup_desk(env, sink_url)
                wait_for(sink_url, 0, 1)
                httpx.post(f"{sink_url}/reset")
                asyncio.run(post_comments(base, token, rate, duration))
                final = wait_for(sink_url, int(rate * duration), timeout=120)
            lat = [x * 1000 for x in final["latencies"]]
            p50_target, p99_target = targets[backend]
            name = f"{backend}, serve (in-process worker)"
            figures.append(
                at_most(f"{name}: p50", percentile(lat, 50), "ms", p50_target)
                if p50_target
                else Figure(f"{name}: p50", percentile(lat, 50), "ms")
            )
            figures.append(at_most(f"{name}: p99", percentile(lat, 99), "ms", p99_target))
            figures.append(at_most(f"  lost ({backend})", int(rate * duration) - final["unique"], "jobs", 1))
        if backend == "postgresql":
            figures.extend(separate_worker_latency(rate, duration))
    return figures


def separate_worker_latency(rate: float, duration: float) -> list[Figure]:
    """Producer and worker in different processes: only PostgreSQL's NOTIFY wakes the worker."""
    with database("postgresql") as url, sink() as sink_url:
        env = base_env(url)
        cli(env, "db", "upgrade")
        rt = runtime_for(url)
        hooks = add_hooks(rt, sink_url, 20)
        worker = start_worker(env)
        time.sleep(2)
        count = int(rate * duration)
        interval = 1 / rate
        start = time.perf_counter()
        try:
            for n in range(count):
                due = start + n * interval
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)

                def add(uow, n=n):  # type: ignore[no-untyped-def]
                    hook = hooks[n % len(hooks)]
                    enqueue(
                        uow,
                        [
                            NewJob(
                                f"webhook:{hook}",
                                "webhook.event",
                                {"webhook_id": hook, "event": "bench", "body": {"sent_at": time.time()}},
                                uuid.uuid4().hex,
                            )
                        ],
                    )

                rt.db.run(add)
            final = wait_for(sink_url, count, timeout=120)
        finally:
            stop(worker)
            rt.db.dispose()
    lat = [x * 1000 for x in final["latencies"]]
    return [
        at_most("postgresql, separate worker (NOTIFY): p50", percentile(lat, 50), "ms", 20),
        at_most("postgresql, separate worker (NOTIFY): p99", percentile(lat, 99), "ms", 100),
    ]


# Kill -9 ------------------------------------------------------------------------------------------


def kill(jobs: int, destinations: int, lease: float) -> list[Figure]:
    with database("postgresql") as url, sink() as sink_url:
        env = base_env(url, ASSISTDESK_OUTBOX_LEASE_SECONDS=str(lease))
        cli(env, "db", "upgrade")
        rt = runtime_for(url)
        hooks = add_hooks(rt, sink_url, destinations)
        enqueue_jobs(rt, hooks, jobs)
        victim = start_worker(env)
        wait_for(sink_url, min(3000, jobs // 3), timeout=300)
        with rt.db.reading() as session:
            table = table_of(OutboxDestination)
            held = {
                row.key.split(":", 1)[1]
                for row in session.execute(table.select().where(table.c.lease_owner.is_not(None)))
            }
        os.kill(victim.pid, signal.SIGKILL)
        killed_at = time.time()
        victim.wait()
        successor = start_worker(env)
        try:
            final = wait_for(sink_url, jobs, timeout=600)
        finally:
            stop(successor)
            rt.db.dispose()
        full = stats(sink_url, arrivals=True)
    by_hook = {str(h): f"d{i}" for i, h in enumerate(hooks)}
    held_paths = {by_hook[h] for h in held if h in by_hook}
    resumed = [
        min((t for t, path in full["arrivals"] if path == p and t > killed_at), default=float("nan"))
        - killed_at
        for p in held_paths
    ]
    worst = max(resumed) if resumed else float("nan")
    print(
        f"  killed holding {len(held_paths)} destinations; delivered {final['unique']} of {jobs}", flush=True
    )
    return [
        at_most("kill -9 mid-run: lost", jobs - final["unique"], "jobs", 1),
        Figure("kill -9 mid-run: duplicated (at-least-once)", final["duplicates"], "jobs"),
        at_most("kill -9: delivered concurrently to one destination", final["overlaps"], "times", 1),
        at_most("kill -9: killed worker's destinations resumed after", worst, "s", lease + 10),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["throughput", "latency", "kill"])
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--destinations", type=int, default=50)
    parser.add_argument("--backends", default="postgresql,sqlite,mariadb")
    parser.add_argument("--rate", type=float, default=50.0, help="comments per second for the latency run")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--lease", type=float, default=5.0)
    args = parser.parse_args()
    if args.only in (None, "throughput"):
        report("Outbox throughput (instant loopback sink)", throughput(args.jobs, args.destinations))
    if args.only in (None, "latency"):
        report(
            f"Commit-to-delivery latency ({args.rate:g} comments/s for {args.duration:g} s)",
            latency(args.backends.split(","), args.rate, args.duration),
        )
    if args.only in (None, "kill"):
        report(
            f"kill -9 of a worker in the middle of 10,000 jobs (lease {args.lease:g} s)",
            kill(10000, args.destinations, args.lease),
        )


if __name__ == "__main__":
    main()
