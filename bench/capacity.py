"""How many creates and Slack acks per second `serve --workers 2` sustains durably (issue 14), and
its p99 at half the target rate, on PostgreSQL.

    uv run python bench/capacity.py [--seconds 10] [--connections 32] [--only rest|slack]

The saturating load comes from `wrk` (Debian's package; C, one thread per core it is given), so that
the load generator takes as little of the two cores as possible from the servers: a closed loop of
`--connections` keep-alive connections for `--seconds`. Durability is checked in the database, not
taken from the answers: every 201 must be a ticket row, every acknowledged Slack event a receipt.
Each Slack request is a distinct, freshly signed event (a replayed one would be a cheap duplicate):
they are signed before the run and handed out in order by a small wrk script.

Then the Python open-loop generator (bench/common.py `open_loop`, latency counted from when each
request was due) sends half the target rate (300 creates/s, 1,000 events/s) for the p99.

`serve` runs with `--no-worker`, as in bench/floor.py: delivering the jobs is the workers' share,
measured by bench/worker_cost.py; a second REST run keeps the in-process workers, as `serve` is
deployed by default, for the figure an operator meets.

Each REST run also splits the CPU the two cores spent per create between `serve` (all its
processes), PostgreSQL (the postmaster and every backend) and wrk, and prints the creates per second
that CPU allows on this machine's cores: where the ceiling is CPU, that bound says how far each
part would have to shrink for a target rate. Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rest_bench, slack_ack
from bench.common import Figure, at_least, at_most, base_env, cli, database, free_port, percentile, report
from bench.floor import cpu_used, product, server, tree_cpu
from bench.outbox_bench import sink

T = TypeVar("T")

CREATES_PER_S = 600.0
ACKS_PER_S = 2000.0
P99_MS = 50.0

_CREATE_LUA = """
wrk.method = "POST"
wrk.body = '{"org":"Acme","reporter_email":"ann@acme.example","title":"capacity","description":"%s"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""

# Each wrk thread takes every n-th line of the signed events (thread k: lines k, k+n, ...) and stops
# counting fresh ones when it runs out: `done` reports how many requests reused an event.
_EVENTS_LUA = """
local path, threads = "%s", %d
local counter = 0
local made = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(made, thread)
end
function init(args)
  lines = {}
  local n = 0
  for line in io.lines(path) do
    if n %% threads == id then table.insert(lines, line) end
    n = n + 1
  end
  at = 0
  reused = 0
end
function request()
  at = at + 1
  if at > #lines then at = 1; reused = reused + 1 end
  local ts, sig, body = lines[at]:match("^(%%S+)\\t(%%S+)\\t(.*)$")
  return wrk.format("POST", "/slack/events", {
    ["Content-Type"] = "application/json",
    ["X-Slack-Request-Timestamp"] = ts,
    ["X-Slack-Signature"] = sig,
  }, body)
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(made) do total = total + thread:get("reused") end
  io.write(string.format("REUSED %%d\\n", total))
end
"""


def wrk(base: str, path: str, script: str, seconds: float, connections: int) -> dict[str, float]:
    """One closed-loop wrk run: answered requests per second, non-2xx answers, socket errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", lua.name, f"{base}{path}",
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    Path(lua.name).unlink()
    answered = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    reused = re.search(r"REUSED (\d+)", out)
    return {
        "answered": answered,
        "rate": rate,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
        "reused": int(reused.group(1)) if reused else 0,
    }


_COUNTS = {
    "tickets": text("SELECT count(*) FROM tickets"),
    "inbound_receipts": text("SELECT count(*) FROM inbound_receipts"),
}


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = int(conn.execute(_COUNTS[table]).scalar() or 0)
    engine.dispose()
    return found


def saturate(url: str, table: str, run: Callable[[], T]) -> tuple[T, int]:
    """`run`'s figures, and how many rows it added to `table` (read after the answers settle)."""
    before = count(url, table)
    result = run()
    time.sleep(0.5)
    return result, count(url, table) - before


def _postmaster() -> int | None:
    """The local PostgreSQL server's first process (its backends are its children), if found."""
    found = subprocess.run(["pgrep", "-x", "-o", "postgres"], capture_output=True, text=True, check=False)
    return int(found.stdout.split()[0]) if found.stdout.split() else None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_split(
    serve_pid: int, run: Callable[[], dict[str, float]]
) -> tuple[dict[str, float], dict[str, float]]:
    """`run`'s figures, and the CPU seconds `serve`, PostgreSQL and wrk (a waited child) used."""
    postgres = _postmaster()
    serve_before = tree_cpu(serve_pid)
    pg_before = tree_cpu(postgres) if postgres else {}
    wrk_before = _children_cpu()
    result = run()
    used = {
        "serve": cpu_used(serve_before, tree_cpu(serve_pid)),
        "PostgreSQL": cpu_used(pg_before, tree_cpu(postgres)) if postgres else 0.0,
        "wrk": _children_cpu() - wrk_before,
    }
    return result, used


def _cpu_figures(label: str, result: dict[str, float], used: dict[str, float]) -> list[Figure]:
    answered = max(1.0, result["answered"])
    per = {part: seconds * 1000 / answered for part, seconds in used.items()}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    return [
        *(Figure(f"  CPU per create, {part}, {label}", ms, "ms") for part, ms in per.items()),
        Figure(
            f"  creates/s {cores} cores allow at {total:.1f} ms per create, {label}",
            cores * 1000 / total,
            "req/s",
        ),
    ]


def rest(seconds: float, connections: int) -> list[Figure]:
    figures: list[Figure] = []
    with database("postgresql") as url, sink() as sink_url:
        env = base_env(url)
        cli(env, "db", "upgrade")
        token = rest_bench.setup(env, "", sink_url)
        script = _CREATE_LUA % ("x" * 200, token)
        for label, worker in (("serve --workers 2 --no-worker", False), ("serve --workers 2", True)):
            with _serve(env, ["--workers", "2"], worker=worker) as (base, pid):
                asyncio.run(rest_bench.closed_loop(base, token, rest_bench.create_ticket, 2))  # warm-up
                (result, used), stored = saturate(
                    url,
                    "tickets",
                    lambda b=base, p=pid: cpu_split(
                        p, lambda: wrk(b, "/api/v1/tickets", script, seconds, connections)
                    ),
                )
                figures += [
                    at_least(
                        f"REST creates/s, {label}, {connections} connections",
                        result["rate"],
                        "req/s",
                        CREATES_PER_S,
                    ),
                    _lost(f"REST creates answered 201 but not stored, {label}", result, stored),
                    *_cpu_figures(label, result, used),
                ]
                latencies = asyncio.run(
                    rest_bench.fixed_rate(base, token, rest_bench.create_ticket, CREATES_PER_S / 2, seconds)
                )
                figures.append(_p99(f"REST create p99 @{CREATES_PER_S / 2:g}/s, {label}", latencies))
    return figures


def slack(seconds: float, connections: int) -> list[Figure]:
    figures: list[Figure] = []
    with (
        slack_ack.seeded_desk() as (url, env),
        _serve(env, ["--workers", "2"], worker=False) as (base, _),
        tempfile.TemporaryDirectory() as tmp,
    ):
        label = "serve --workers 2 --no-worker"
        asyncio.run(slack_ack.measure(base, "reaction_added", 50, 1.0, slack_ack.Events("WU")))
        signed = Path(tmp) / "events.tsv"
        _sign(signed, int(ACKS_PER_S * 2.5 * seconds))
        result, stored = saturate(
            url,
            "inbound_receipts",
            lambda: wrk(base, "/slack/events", _EVENTS_LUA % (signed, 2), seconds, connections),
        )
        figures += [
            at_least(
                f"Slack acks/s (reactions and thread replies), {label}, {connections} connections",
                result["rate"],
                "events/s",
                ACKS_PER_S,
            ),
            _lost(f"Slack events acknowledged but not stored, {label}", result, stored),
            Figure("  events replayed because the signed set ran out", result["reused"], "requests"),
        ]
        events = slack_ack.Events("HR")
        latencies: list[float] = []
        for kind in ("reaction_added", "message"):
            found, _ = asyncio.run(slack_ack.measure(base, kind, ACKS_PER_S / 2, seconds / 2, events))
            latencies += found
        figures.append(_p99(f"Slack ack p99 @{ACKS_PER_S / 2:g}/s, {label}", latencies))
    return figures


def _sign(path: Path, n: int) -> None:
    """`n` distinct signed events, half 🎫 reactions and half thread replies, one per line."""
    events = slack_ack.Events("CP")
    with path.open("w") as out:
        for i in range(n):
            body, headers = events.next("reaction_added" if i % 2 else "message")
            ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
            out.write(f"{ts}\t{sig}\t{body.decode()}\n")


def _lost(name: str, result: dict[str, float], stored: int) -> Figure:
    ok = result["answered"] - result["non_2xx"] - result["socket_errors"] - result["reused"]
    missing = max(0, int(ok) - stored)
    return Figure(name, missing, "requests", "0", missing == 0)


def _p99(name: str, latencies: list[float]) -> Figure:
    return at_most(name, percentile([x * 1000 for x in latencies], 99), "ms", P99_MS)


@contextlib.contextmanager
def _serve(env: dict[str, str], args: list[str], *, worker: bool) -> Iterator[tuple[str, int]]:
    """`serve` with `args`, with its in-process delivery worker or without (`--no-worker`)."""
    if worker:
        port = free_port()
        command = [sys.executable, "-m", "assistdesk", "serve", "--port", str(port), *args]
        started = server(command, env, port, "serve")
    else:
        started = product(env, *args)
    with started as (base, pid):
        yield base, pid


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", choices=["rest", "slack"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/capacity.py needs wrk: apt-get install wrk")
    print(
        f"# serve --workers 2 on PostgreSQL, wrk closed loop {args.seconds:g} s; load generator on the same box"
    )
    if args.only in (None, "rest"):
        report("REST create: capacity", rest(args.seconds, args.connections))
    if args.only in (None, "slack"):
        report("Slack Events API ack: capacity", slack(args.seconds, args.connections))


if __name__ == "__main__":
    main()
