"""What one delivery costs the worker when jobs arrive one at a time (issue 14, item 3).

    uv run python bench/worker_cost.py [--jobs 300] [--rate 50] [--idle 5]

An `assistdesk worker`-equivalent process (this script with `--child`: the runtime's own worker, on
uvloop, with a statement counter on its engine) drains webhook jobs into an instant loopback sink on
PostgreSQL. This process enqueues the jobs one transaction at a time at a fixed rate, across 20
destinations, as REST writes would. Printed, from the worker process only:

- CPU ms per job (user + system from /proc, during the run, idle cost not subtracted),
- SQL statements (counted at the driver's cursor) and transactions per job,
- the idle cost: statements per second and CPU ms per second with nothing to deliver.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Figure, at_most, base_env, cli, database, report
from bench.outbox_bench import add_hooks, runtime_for, sink, stats, wait_for

DESTINATIONS = 20


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child() -> None:
    """The worker, counting its statements; SIGUSR1 prints the counts as one JSON line."""
    import psycopg
    import uvloop
    from sqlalchemy import event

    from assistdesk.runtime import build_runtime
    from assistdesk.settings import Settings

    runtime = build_runtime(Settings(), run_migrations=False)
    counts = {"statements": 0, "commits": 0, "rollbacks": 0}

    class Counting(psycopg.Cursor[Any]):
        """Counts at the driver: the worker runs its hot statements on the driver's cursor, which
        SQLAlchemy's `before_cursor_execute` never sees."""

        def execute(self, *args: Any, **kwargs: Any) -> Any:
            counts["statements"] += 1
            return super().execute(*args, **kwargs)

        def executemany(self, *args: Any, **kwargs: Any) -> None:
            counts["statements"] += 1
            super().executemany(*args, **kwargs)

    def connected(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.cursor_factory = Counting

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(runtime.db.engine, "connect", connected)
    runtime.db.engine.pool.dispose()  # every connection from now on counts

    def rollback(*_: Any) -> None:
        counts["rollbacks"] += 1

    event.listen(runtime.db.engine, "commit", commit)
    event.listen(runtime.db.engine, "rollback", rollback)
    count_async(counts)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGUSR1, lambda: print(json.dumps(counts), flush=True))
        print("ready", flush=True)
        try:
            await runtime.run_worker(stop)
        finally:
            await runtime.aclose()

    profile_to = os.environ.get("WORKER_COST_PROFILE")
    if not profile_to:
        uvloop.run(main())
        return
    import cProfile

    profiler = cProfile.Profile(time.thread_time)  # CPU of the event loop's thread
    profiler.runcall(uvloop.run, main())
    profiler.dump_stats(profile_to)


def count_async(counts: dict[str, int]) -> None:
    """Count on psycopg's async connections too: on PostgreSQL the worker runs its claim and its
    outcomes on the event loop (`assistdesk.db.async_driver`); a statement run outside a
    transaction block (autocommit) counts as a transaction: committed (the claim) or read-only (a
    SELECT: the idle poll); a script (`BEGIN; …; COMMIT`, the outcome) as its statements and one
    commit. The LISTEN connection runs one statement when it connects and none per
    notification."""
    import psycopg

    execute, commit, rollback = (
        psycopg.AsyncCursor.execute,
        psycopg.AsyncConnection.commit,
        psycopg.AsyncConnection.rollback,
    )

    async def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        text = str(args[0])
        if text.startswith("BEGIN;"):  # a transaction sent as one script (`async_driver.Script`)
            counts["statements"] += text.count(";") - 1  # without its BEGIN and COMMIT
            counts["commits"] += 1
            return await execute(self, *args, **kwargs)
        counts["statements"] += 1
        if self.connection.autocommit:  # a statement that is its own transaction
            read_only = str(args[0]).lstrip().upper().startswith("SELECT")  # the idle poll
            counts["rollbacks" if read_only else "commits"] += 1
        return await execute(self, *args, **kwargs)

    async def counted_commit(self: Any) -> None:
        counts["commits"] += 1
        await commit(self)

    async def counted_rollback(self: Any) -> None:
        counts["rollbacks"] += 1
        await rollback(self)

    psycopg.AsyncCursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.AsyncConnection.commit = counted_commit  # type: ignore[method-assign]
    psycopg.AsyncConnection.rollback = counted_rollback  # type: ignore[method-assign]


class Child:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--child"], env=env, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the worker did not start")

    def snapshot(self) -> tuple[float, dict[str, int]]:
        assert self.process.stdout is not None
        self.process.send_signal(signal.SIGUSR1)
        counts = json.loads(self.process.stdout.readline())
        return cpu_seconds(self.process.pid), counts

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)


def run(jobs: int, rate: float, idle: float) -> list[Figure]:
    from assistdesk.outbox.enqueue import enqueue
    from assistdesk.outbox.jobs import NewJob

    with database("postgresql") as url, sink() as sink_url:
        env = base_env(url)
        cli(env, "db", "upgrade")
        rt = runtime_for(url)
        hooks = add_hooks(rt, sink_url, DESTINATIONS)
        worker = Child(env)
        try:
            time.sleep(2)  # LISTEN connected, first rounds done
            cpu0, n0 = worker.snapshot()
            time.sleep(idle)
            cpu1, n1 = worker.snapshot()
            start = time.perf_counter()
            for n in range(jobs):
                pause = start + n / rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                hook = hooks[n % len(hooks)]
                job = NewJob(
                    f"webhook:{hook}",
                    "webhook.event",
                    {"webhook_id": hook, "event": "bench", "body": {"sent_at": time.time()}},
                    uuid.uuid4().hex,
                )
                rt.db.run(lambda uow, job=job: enqueue(uow, [job]))
            final = wait_for(sink_url, jobs, timeout=120)
            cpu2, n2 = worker.snapshot()
        finally:
            worker.stop()
            rt.db.dispose()
        delivered = stats(sink_url)["unique"]
    print(
        f"  delivered {delivered} of {jobs}; sink p50 {sorted(final['latencies'])[len(final['latencies']) // 2] * 1000:.1f} ms"
    )
    return [
        at_most("worker CPU per job (one at a time)", (cpu2 - cpu1) * 1000 / jobs, "ms", 1),
        Figure("SQL statements per job", (n2["statements"] - n1["statements"]) / jobs, "stmts"),
        Figure("transactions committed per job", (n2["commits"] - n1["commits"]) / jobs, "commits"),
        Figure("read-only transactions per job", (n2["rollbacks"] - n1["rollbacks"]) / jobs, "reads"),
        Figure("idle: statements per second", (n1["statements"] - n0["statements"]) / idle, "stmts/s"),
        Figure("idle: CPU per second", (cpu1 - cpu0) * 1000 / idle, "ms/s"),
        at_most("lost", jobs - delivered, "jobs", 1),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--idle", type=float, default=5.0)
    args = parser.parse_args()
    if args.child:
        child()
        return
    report(
        f"Worker cost per job, PostgreSQL, {args.jobs} jobs one at a time at {args.rate:g}/s",
        run(args.jobs, args.rate, args.idle),
    )


if __name__ == "__main__":
    main()
