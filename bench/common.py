"""Shared by the bench scripts: databases, a served instance, open-loop load, and the report format.

Every figure is printed next to its target as `name  value  target  ok|MISS`, so a run's output can be
pasted into bench/README.md as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests import databases  # the same throw-away databases the tests use

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    def line(self, width: int) -> str:
        verdict = "" if self.ok is None else ("ok" if self.ok else "MISS")
        shown = f"{self.value:,.1f} {self.unit}" if not math.isnan(self.value) else "n/a"
        return f"{self.name:<{width}}  {shown:>16}  {self.target:<22} {verdict}"


def report(title: str, figures: Sequence[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print(f"\n## {title}")
    print(f"{'figure':<{width}}  {'measured':>16}  {'target':<22} verdict")
    for figure in figures:
        print(figure.line(width))
    sys.stdout.flush()


def at_most(name: str, value: float, unit: str, limit: float) -> Figure:
    return Figure(name, value, unit, f"< {limit:g} {unit}", value < limit)


def at_least(name: str, value: float, unit: str, floor: float) -> Figure:
    return Figure(name, value, unit, f">= {floor:g} {unit}", value >= floor)


@contextlib.contextmanager
def database(backend: str) -> Iterator[str]:
    """A fresh, empty database URL on `backend` (sqlite, postgresql, mariadb), dropped afterwards."""
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    provisioned = databases.provision(backend, workdir)
    try:
        yield provisioned.url
    finally:
        databases.drop(provisioned)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTDESK_", "SLACK_", "LARK_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        {
            "ASSISTDESK_DATABASE_URL": db_url,
            "ASSISTDESK_SECRET_KEY": "bench-secret-key-" + "b" * 32,
            "ASSISTDESK_PUBLIC_URL": "https://support.example.test",
            "ASSISTDESK_LOG_LEVEL": "WARNING",
            "ASSISTDESK_WEBHOOK_ALLOW_PRIVATE": "true",  # the benches' sinks listen on loopback
        }
    )
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "assistdesk", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"assistdesk {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout


def wait_ready(process: subprocess.Popen[bytes], base: str, what: str, *, timeout: float) -> None:
    """Until `base`/readyz answers 200; raises with the process's stderr if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"{what} did not start: " + (process.stderr.read().decode() if process.stderr else "")
            )
        time.sleep(0.1)


@contextlib.contextmanager
def served(env: dict[str, str], *args: str) -> Iterator[str]:
    """`assistdesk serve` as a subprocess; yields its base URL once /readyz answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, "serve", timeout=60)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


async def open_loop(rate: float, duration: float, fire: Callable[[], Awaitable[object]]) -> list[float]:
    """Send at a fixed rate whatever the responses do (no coordinated omission): each latency is
    measured from the moment the request was due, not from when it was actually sent."""
    latencies: list[float] = []
    interval = 1.0 / rate
    count = int(rate * duration)
    start = time.perf_counter()

    async def one(due: float) -> None:
        await fire()
        latencies.append(time.perf_counter() - due)

    tasks = []
    for i in range(count):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    return latencies
