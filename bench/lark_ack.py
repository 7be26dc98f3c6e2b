"""Acknowledgement latency of `POST /lark/events` for encrypted, signed `im.message.receive_v1`
mentions (decryption, signature, deduplication, entitlement, and the form's outbox job committed
before the 200), at a fixed arrival rate (open loop: latency counts from when each request was due).

Two shapes of deployment: `serve --no-worker` (the web tier alone, as README's production layout
runs it: the forms stay queued for workers elsewhere) and `serve` with its in-process worker, which
then also delivers every form (a contact lookup and an ephemeral send per mention) on the same cores.

    uv run python bench/lark_ack.py [--backends sqlite,postgresql] [--rates 100,500] [--seconds 10]
                                    [--shapes web,serve]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import Figure, at_most, open_loop, percentile, report
from bench.lark_common import mention, signed, stage

TARGET_P99_MS = 50.0
SHAPES = {"web": ("serve --no-worker", ("--no-worker",)), "serve": ("serve with its worker", ())}


async def measure(base: str, rate: float, seconds: float) -> tuple[list[float], int]:
    requests = [signed(mention(f"checkout fails #{n}")) for n in range(int(rate * seconds))]
    pending = iter(requests)
    failures = 0
    # Lark pushes over many connections; 256 at once here (waiting for one counts in the latency).
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def fire() -> None:
            nonlocal failures
            raw, headers = next(pending)
            try:
                async with session.post(f"{base}/lark/events", data=raw, headers=headers) as answer:
                    await answer.read()
                    if answer.status != 200:
                        failures += 1
            except aiohttp.ClientError:
                failures += 1

        latencies = await open_loop(rate, seconds, fire)
    return latencies, failures


async def one_at_a_time(base: str, count: int) -> list[float]:
    """Service time: each push sent when the previous one was answered. The first push asks Lark
    for the bot's identity and is not counted."""
    requests = [signed(mention(f"sequential #{n}")) for n in range(count + 1)]
    found: list[float] = []
    async with aiohttp.ClientSession() as session:
        for raw, headers in requests:
            started = time.perf_counter()
            async with session.post(f"{base}/lark/events", data=raw, headers=headers) as answer:
                await answer.read()
                assert answer.status == 200, await answer.text()
            found.append((time.perf_counter() - started) * 1000)
    return found[1:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rates", default="100,500")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--shapes", default="web,serve")
    args = parser.parse_args()
    for backend, shape in itertools.product(args.backends.split(","), args.shapes.split(",")):
        label = f"{backend}, {SHAPES[shape][0]}"
        with stage(backend, *SHAPES[shape][1]) as running:
            alone = asyncio.run(one_at_a_time(running.url, 200))
            report(
                f"Lark ack service time, {label}, 200 pushes one at a time",
                [Figure("p50", percentile(alone, 50), "ms"), Figure("p99", percentile(alone, 99), "ms")],
            )
            for rate in (float(r) for r in args.rates.split(",")):
                latencies, failures = asyncio.run(measure(running.url, rate, args.seconds))
                ms = [value * 1000 for value in latencies]
                figures = [
                    at_most(f"p50 at {rate:g}/s", percentile(ms, 50), "ms", TARGET_P99_MS),
                    at_most(f"p99 at {rate:g}/s", percentile(ms, 99), "ms", TARGET_P99_MS),
                    at_most("failed (not 200, or no answer)", float(failures), "", 1),
                ]
                report(
                    f"Lark ack latency, {backend}, {len(ms)} encrypted signed mentions at {rate:g}/s", figures
                )


if __name__ == "__main__":
    main()
