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
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import aiohttp
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


def log_file(what: str) -> IO[bytes]:
    """A file for a child process's stderr, kept after the run (its path is printed when the child
    stops). Never a pipe nobody reads: a server that logs more than the pipe holds (64 KB; `serve`
    prints every acknowledgement mail when no SMTP server is configured) blocks in its logging call
    and stalls every request behind it."""
    return tempfile.NamedTemporaryFile(prefix=f"bench-{what}-", suffix=".log", delete=False)


def close_log(log: IO[bytes], what: str) -> None:
    log.close()
    print(f"{what}'s log: {log.name}, {Path(log.name).stat().st_size:,} bytes", file=sys.stderr)


def wait_ready(
    process: subprocess.Popen[bytes], base: str, what: str, *, timeout: float, log: IO[bytes] | None = None
) -> None:
    """Until `base`/readyz answers 200; raises with the end of the process's log (or stderr pipe) if it
    dies or takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            if log is not None:
                log.flush()
                said = Path(log.name).read_text(errors="replace")[-4000:]
            else:
                said = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"{what} did not start: {said}")
        time.sleep(0.1)


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str, cwd: Path | None = None) -> Iterator[tuple[str, int]]:
    """`assistdesk serve` as a subprocess (from `cwd`'s sources when given); yields its base URL and
    process id once /readyz answers. Its stderr goes to a log file (see `log_file`)."""
    port = free_port()
    log = log_file("serve")
    process = subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "serve", "--port", str(port), *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, base, "serve", timeout=60, log=log)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        close_log(log, f"serve{f' ({cwd.name})' if cwd else ''}")


@contextlib.contextmanager
def served(env: dict[str, str], *args: str) -> Iterator[str]:
    """`assistdesk serve` as a subprocess; yields its base URL once /readyz answers."""
    with serving(env, *args) as (base, _):
        yield base


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


def client_connector(limit: int) -> aiohttp.TCPConnector:
    """Idle connections closed by the client after 2 s, before the server closes them (`serve` after
    5 s, uvicorn's default too): reusing one the server is closing at that moment fails the request
    with "Server disconnected" (the keep-alive race), which is not an answer of the server's."""
    return aiohttp.TCPConnector(limit=limit, keepalive_timeout=2.0)
