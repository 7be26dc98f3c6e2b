"""The product beside the floor of its stack, in one run on PostgreSQL (issue 14).

    uv run python bench/floor.py [--duration 10] [--rest-rates 50,100] [--slack-rates 200,500]
                                 [--compare /path/to/another/checkout]

For each path, each server is sent the same open-loop load at fixed offered rates (the load
generators of bench/rest_bench.py and bench/slack_ack.py, latency counted from when each request was
due), and the CPU its processes used (user + system from /proc, parent and children) is divided by
the requests answered:

- REST create ticket and REST public comment: `assistdesk serve --no-worker`, the same with
  `--workers 2`, and bench/floor_app.py (Starlette + pydantic + async psycopg, the same writes, the
  token's agent cached), all on one database with one webhook subscription;
- Slack Events API ack (`reaction_added` and thread replies): `serve --no-worker` (1 and 2
  processes) and bench/slack_bolt_baseline.py (a bare Bolt app that only acks);
- comment -> Slack `chat.postMessage` latency with the worker inside `serve`, at 50 comments/s over
  100 channels (bench/slack_delivery.py's pieces), so pacing (1 message/s per channel) never delays.

`--compare DIR` (repeatable) also serves another checkout of the code (`serve` and `serve --workers
2`, labelled with the directory's name) in the same run, on the same database, for before/after
ratios to the same floor.

The servers run without their in-process delivery worker for the CPU figures: the floor delivers
nothing, and deliveries are measured by bench/worker_cost.py and the latency run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rest_bench, slack_ack, slack_delivery
from bench.common import (
    ROOT,
    Figure,
    at_most,
    base_env,
    cli,
    close_log,
    database,
    free_port,
    log_file,
    percentile,
    report,
    wait_ready,
)
from bench.outbox_bench import sink
from tests.fakes.slack_api import FakeSlack

Fire = Callable[[float, float], list[float]]  # (rate, duration) -> latencies in seconds


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in found.stdout.split()]


def tree_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and each of its descendants alive now, by pid."""
    found: dict[int, float] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            found[current] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            todo.extend(_children(current))
    return found


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """What the processes used in between (one that exited meanwhile is lost: reported)."""
    if set(before) - set(after):
        print(f"  note: processes {sorted(set(before) - set(after))} exited during the measurement")
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


@contextlib.contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, what: str, cwd: Path = ROOT
) -> Iterator[tuple[str, int]]:
    log = log_file(what)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, what, timeout=90, log=log)
        time.sleep(1.0)  # every process of `--workers 2` up, not only the first
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        close_log(log, what)


def product(
    env: dict[str, str], *args: str, tree: Path = ROOT
) -> contextlib.AbstractContextManager[tuple[str, int]]:
    """`serve --no-worker` of the checkout at `tree` (its directory first on the path, this
    environment's packages)."""
    port = free_port()
    command = [sys.executable, "-m", "assistdesk", "serve", "--port", str(port), "--no-worker", *args]
    return server(command, {**env, "PYTHONPATH": str(tree)}, port, "serve", cwd=tree)


def products(env: dict[str, str], compare: list[Path]) -> dict[str, Callable[[], Any]]:
    """`serve` and `serve --workers 2` of this checkout, then of each compared one."""
    servers: dict[str, Callable[[], Any]] = {}
    for tree in [ROOT, *compare]:
        suffix = "" if tree == ROOT else f" ({tree.name})"
        servers[f"serve{suffix}"] = lambda tree=tree: product(env, tree=tree)
        servers[f"serve --workers 2{suffix}"] = lambda tree=tree: product(env, "--workers", "2", tree=tree)
    return servers


def uvicorn_app(env: dict[str, str], app: str) -> contextlib.AbstractContextManager[tuple[str, int]]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--port", str(port), "--loop", "uvloop",
        "--http", "httptools", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return server(command, env, port, app)


def measure(label: str, pid: int, fire: Fire, rate: float, duration: float, extra: int = 0) -> dict[str, Any]:
    """One offered rate: CPU per request, answered requests per second, p50 and p99."""
    before = tree_cpu(pid)
    started = time.perf_counter()
    latencies = fire(rate, duration)
    elapsed = time.perf_counter() - started
    used = cpu_used(before, tree_cpu(pid))
    ms = [x * 1000 for x in latencies]
    return {
        "label": label,
        "rate": rate,
        "cpu_ms": used * 1000 / (len(latencies) + extra),
        "rps": len(latencies) / elapsed,
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
    }


def figures_of(path: str, rows: list[dict[str, Any]], floor: str) -> list[Figure]:
    figures: list[Figure] = []
    for row in rows:
        name = f"{path} @{row['rate']:g}/s {row['label']}"
        figures.append(Figure(f"{name}: CPU per request", row["cpu_ms"], "ms"))
        figures.append(Figure(f"{name}: answered", row["rps"], "req/s"))
        figures.append(Figure(f"{name}: p50", row["p50"], "ms"))
        figures.append(Figure(f"{name}: p99", row["p99"], "ms"))
    for row in rows:
        base = next(r for r in rows if r["label"] == floor and r["rate"] == row["rate"])
        if row["label"] != floor:
            figures.append(
                at_most(
                    f"{path} @{row['rate']:g}/s {row['label']} / {floor}: CPU",
                    row["cpu_ms"] / base["cpu_ms"],
                    "x",
                    2,
                )
            )
    return figures


def rest(duration: float, rates: list[float], compare: list[Path]) -> list[Figure]:
    ops = {"create ticket": rest_bench.create_ticket, "public comment": rest_bench.add_comment}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in ops}
    with database("postgresql") as url, sink() as sink_url:
        env = base_env(url)
        cli(env, "db", "upgrade")
        token = rest_bench.setup(env, "", sink_url)
        servers = {**products(env, compare), "floor": lambda: uvicorn_app(env, "bench.floor_app:app")}
        for label, start in servers.items():
            with start() as (base, pid):
                asyncio.run(rest_bench.closed_loop(base, token, rest_bench.create_ticket, 2))  # warm-up
                for name, op in ops.items():
                    for rate in rates:

                        def fire(r: float, d: float, op: Any = op, base: str = base) -> list[float]:
                            return asyncio.run(rest_bench.fixed_rate(base, token, op, r, d))

                        rows[name].append(measure(label, pid, fire, rate, duration))
    return [f for name in ops for f in figures_of(f"REST {name}", rows[name], "floor")]


def slack(duration: float, rates: list[float], compare: list[Path]) -> list[Figure]:
    rows: dict[str, list[dict[str, Any]]] = {"reaction_added": [], "message": []}
    with slack_ack.seeded_desk() as (_, env):
        servers = {
            **products(env, compare),
            "Bolt only": lambda: uvicorn_app(env, "bench.slack_bolt_baseline:app"),
        }
        for n, (label, start) in enumerate(servers.items()):
            events = slack_ack.Events(f"F{n}")
            with start() as (base, pid):
                for kind in rows:
                    for rate in rates:

                        def fire(
                            r: float, d: float, kind: str = kind, base: str = base, ev: Any = events
                        ) -> list[float]:
                            return asyncio.run(slack_ack.measure(base, kind, r, d, ev))[0]

                        rows[kind].append(measure(label, pid, fire, rate, duration, extra=50))
    return [f for kind in rows for f in figures_of(f"Slack ack {kind}", rows[kind], "Bolt only")]


def delivery(rate: float, duration: float) -> list[Figure]:
    fake = FakeSlack()
    fake.add_workspace(slack_delivery.TEAM, slack_delivery.TOKEN)
    channels = [f"C0FLOOR{n:03d}" for n in range(100)]
    with database("postgresql") as url:
        env = base_env(
            url,
            SLACK_SIGNING_SECRET="bench-signing-secret",
            SLACK_BOT_TOKEN=slack_delivery.TOKEN,
            SLACK_API_URL=fake.api_url,
        )
        cli(env, "db", "upgrade")
        token, keys = slack_delivery.seed(url, env["ASSISTDESK_SECRET_KEY"], channels)
        port = free_port()
        command = [sys.executable, "-m", "assistdesk", "serve", "--port", str(port)]
        with server(command, env, port, "serve") as (base, _):
            poster = slack_delivery.Poster(base, token)
            ordered = [keys[c] for c in channels]
            asyncio.run(slack_delivery.steady(poster, ordered, 100, rate))  # warm-up
            slack_delivery.wait_for(fake, set(range(1, poster.n + 1)), 30)
            numbers = asyncio.run(slack_delivery.steady(poster, ordered, int(rate * duration), rate))
            seen = slack_delivery.wait_for(fake, numbers, 60)
    lat = slack_delivery.latencies(poster, seen, numbers)
    return [
        at_most(
            f"comment -> chat.postMessage @{rate:g}/s, worker in serve: p50", percentile(lat, 50), "ms", 20
        ),
        at_most(
            f"comment -> chat.postMessage @{rate:g}/s, worker in serve: p99", percentile(lat, 99), "ms", 100
        ),
        at_most("  comments not posted", len(numbers - set(seen)), "comments", 1),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rest-rates", default="50,100")
    parser.add_argument("--slack-rates", default="200,500")
    parser.add_argument("--only", choices=["rest", "slack", "delivery"])
    parser.add_argument("--compare", action="append", default=[], help="another checkout (repeatable)")
    args = parser.parse_args()
    compare = [Path(c).resolve() for c in args.compare]
    rest_rates = [float(r) for r in args.rest_rates.split(",")]
    slack_rates = [float(r) for r in args.slack_rates.split(",")]
    print(
        f"# product beside floor, PostgreSQL, {args.duration:g} s per offered rate; load generator on the same box"
    )
    if args.only in (None, "rest"):
        report("REST API: product and floor", rest(args.duration, rest_rates, compare))
    if args.only in (None, "slack"):
        report("Slack Events API ack: product and bare Bolt", slack(args.duration, slack_rates, compare))
    if args.only in (None, "delivery"):
        report("Comment to Slack, worker inside serve", delivery(50.0, args.duration))


if __name__ == "__main__":
    main()
