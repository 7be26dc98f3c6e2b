"""Slack Events API ack: server CPU per acknowledged event, for checkouts of the code side by side
and the bare Bolt app (bench/slack_bolt_baseline.py), in one run on one PostgreSQL database.

    uv run python bench/slack_cpu.py [--compare /work/base] [--rate 200] [--seconds 4] [--rounds 2]

Each checkout is served as `python -m assistdesk serve --no-worker` with its own directory first on
`PYTHONPATH` (this script seeds the database once with this checkout's code). The load is
bench/slack_ack.py's open loop of fresh signed events, 🎫 reactions and thread replies in turn;
the CPU of the server's processes (user + system, from /proc) over a run, divided by the requests
sent in it, is the figure. Rounds alternate the servers so that a busy moment of a shared machine
weighs on each alike; the median round is kept. bench/floor.py measures the same against this
checkout only; this script is for before/after pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import slack_ack
from bench.common import (
    ROOT,
    Figure,
    close_log,
    free_port,
    log_file,
    report,
    wait_ready,
)
from bench.floor import cpu_used, tree_cpu, uvicorn_app

KINDS = ("reaction_added", "message")
BOLT = "bare Bolt"
WARM_UP = 50  # slack_ack.measure sends 50 events in a second before its run; counted in the CPU


@contextlib.contextmanager
def _served(env: dict[str, str], name: str) -> Iterator[tuple[str, int]]:
    if name == BOLT:
        with uvicorn_app(env, "bench.slack_bolt_baseline:app") as served:
            yield served
        return
    # The checkout's own directory as the working directory: `python -m` puts it first on sys.path.
    port = free_port()
    log = log_file("serve")
    command = [sys.executable, "-m", "assistdesk", "serve", "--no-worker", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=name, env={**env, "PYTHONPATH": name}, stdout=subprocess.DEVNULL, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, "serve", timeout=90, log=log)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(30)
        close_log(log, "serve")


def _cpu_per_event(
    base: str, pid: int, kind: str, args: argparse.Namespace, events: slack_ack.Events
) -> float:
    """One run's CPU ms per event; a run cut short by a connection the server closed as idle at the
    moment the client reused it (keep-alive's race, not an answer) is run again, twice at most."""
    for attempt in range(3):
        asyncio.run(slack_ack.measure(base, kind, 100, 1.0, events))  # warm-up
        before = tree_cpu(pid)
        try:
            latencies, _ = asyncio.run(slack_ack.measure(base, kind, args.rate, args.seconds, events))
        except aiohttp.ClientError as exc:
            print(f"  {kind}: run {attempt + 1} cut short ({exc}); again")
            continue
        return cpu_used(before, tree_cpu(pid)) * 1000 / (len(latencies) + WARM_UP)
    print(f"  {kind}: no figure this round")
    return math.nan


def _median(values: list[float]) -> float:
    measured = [v for v in values if not math.isnan(v)]
    return statistics.median(measured) if measured else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", action="append", default=[], help="another checkout (repeatable)")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    servers = [BOLT, *(str(Path(c).resolve()) for c in args.compare), str(ROOT)]
    cpu: dict[tuple[str, str], list[float]] = {}
    with slack_ack.seeded_desk() as (_, env):
        events = slack_ack.Events("SC")
        for _ in range(args.rounds):
            for name in servers:
                with _served(env, name) as (base, pid):
                    for kind in KINDS:
                        cpu.setdefault((name, kind), []).append(_cpu_per_event(base, pid, kind, args, events))
    figures: list[Figure] = []
    for kind in KINDS:
        bolt = _median(cpu[(BOLT, kind)])
        for name in servers:
            ms = _median(cpu[(name, kind)])
            rounds = ", ".join(f"{x:.2f}" for x in cpu[(name, kind)])
            label = "bare Bolt" if name == BOLT else f"serve {name}"
            figures.append(Figure(f"{kind} @{args.rate:g}/s, {label} (rounds {rounds})", ms, "ms CPU"))
            if name != BOLT:
                ratio = ms / bolt
                figures.append(Figure("  ratio to bare Bolt", ratio, "x", "<= 2x", ratio <= 2))
    report("Slack ack: server CPU per event, PostgreSQL, serve --no-worker", figures)


if __name__ == "__main__":
    main()
