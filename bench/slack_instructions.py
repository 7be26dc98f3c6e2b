"""Slack Events API ack: instructions per acknowledged event, counted by valgrind, for checkouts of
the code side by side and the bare Bolt app (bench/slack_bolt_baseline.py), on one PostgreSQL database.

    uv run python bench/slack_instructions.py [--compare /work/base] [--events 200]

CPU time per event (bench/slack_cpu.py) moves by ±30 % from one run to the next on a shared 2-core
machine; the instructions a process executes per event do not, so a change of a few percent shows.
Each checkout's ASGI application (the bare Bolt app's too) runs in its own process under
`valgrind --tool=callgrind` with instrumentation off; after a warm-up it is switched on
(`callgrind_control -i on`) for `--events` fresh signed events sent one at a time, straight to the
ASGI application (no HTTP, no load generator in the process), then off. Every instruction of the
process counts: the event loop, Bolt, the group commit's thread and the driver, not PostgreSQL's.
The figure is the instructions counted divided by the events; one at a time, each group commit
holds one event (at 200/s most hold one or two).
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# A counted process is given its checkout first on PYTHONPATH, then this one (for bench/): kept so.
if str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import slack_ack
from bench.common import ROOT, Figure, report

KINDS = ("reaction_added", "message")
BOLT = "bare Bolt"
WARM_UP = 100


def _request(body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    raw = [(b"host", b"127.0.0.1"), (b"content-length", str(len(body)).encode())]
    raw += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/slack/events", "raw_path": b"/slack/events", "query_string": b"",
        "root_path": "", "headers": raw, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "state": {},
    }  # fmt: skip


async def _send_events(app: Any, events: slack_ack.Events, kind: str, count: int) -> int:
    """`count` events, one after another; how many were not answered 200."""
    refused = 0
    for body, headers in [events.next(kind) for _ in range(count)]:
        delivered = False

        async def receive(body: bytes = body) -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                await asyncio.Event().wait()  # no disconnect: the request stays open until answered
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] != 200:
                refused += 1

        await app(_request(body, headers), receive, send)
    return refused


def _callgrind(on: bool) -> None:
    switch = "on" if on else "off"
    subprocess.run(
        ["callgrind_control", "-i", switch, str(os.getpid())], stdout=subprocess.DEVNULL, check=True
    )
    if not on:
        subprocess.run(["callgrind_control", "-d", str(os.getpid())], stdout=subprocess.DEVNULL, check=True)


def serve_counted(kind: str, count: int, bolt: bool) -> None:
    """In the process valgrind runs: build the app, warm it up, count `count` events."""
    import uvloop

    if bolt:
        from bench.slack_bolt_baseline import app
    else:
        from assistdesk.app import create_app
        from assistdesk.runtime import build_runtime
        from assistdesk.settings import Settings

        app = create_app(runtime=build_runtime(Settings()))
    slack_ack._SERIAL = itertools.count(int(time.time() * 1000))  # message ts unused by earlier runs
    events = slack_ack.Events(f"I{os.getpid()}")

    async def run() -> None:
        await _send_events(app, events, kind, WARM_UP)
        _callgrind(True)
        refused = await _send_events(app, events, kind, count)
        _callgrind(False)
        import assistdesk

        print(f"refused {refused} ({Path(assistdesk.__file__).parent.parent})", flush=True)

    uvloop.run(run())
    os._exit(0)  # the runtime's threads and pools are not worth closing under valgrind


def _counted(env: dict[str, str], name: str, kind: str, count: int) -> float:
    """Instructions per event of one checkout (or the bare Bolt app), in thousands."""
    cwd = ROOT if name == BOLT else Path(name)
    with tempfile.TemporaryDirectory() as out:
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.%p",
            sys.executable, str(ROOT / "bench" / "slack_instructions.py"), "--serve", kind,
            "--events", str(count), *(["--bolt"] if name == BOLT else []),
        ]  # fmt: skip
        done = subprocess.run(
            command, cwd=cwd, env={**env, "PYTHONPATH": f"{cwd}:{ROOT}"}, capture_output=True, text=True
        )
        if f"refused 0 ({cwd})" not in done.stdout and not (name == BOLT and "refused 0" in done.stdout):
            raise SystemExit(f"{name} {kind}: {done.stdout.strip()} {done.stderr[-2000:]}")
        total = 0
        for path in glob.glob(f"{out}/cg.*"):
            lines = Path(path).read_text().splitlines()
            total += sum(int(line.split()[1]) for line in lines if line.startswith("totals:"))
    return total / count / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", action="append", default=[], help="another checkout (repeatable)")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # the counted process (an event kind)
    parser.add_argument("--bolt", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_counted(args.serve, args.events, args.bolt)
        return
    servers = [BOLT, *(str(Path(c).resolve()) for c in args.compare), str(ROOT)]
    figures: list[Figure] = []
    with slack_ack.seeded_desk() as (_, env):
        env = {**env, "ASSISTDESK_LOG_LEVEL": "WARNING"}
        for kind in KINDS:
            counts = {name: _counted(env, name, kind, args.events) for name in servers}
            for name in servers:
                label = BOLT if name == BOLT else f"serve {name}"
                figures.append(Figure(f"{kind}, {label}", counts[name], "k instructions/event"))
                if name != BOLT:
                    ratio = counts[name] / counts[BOLT]
                    figures.append(Figure("  ratio to bare Bolt", ratio, "x", "<= 2x", ratio <= 2))
                if len(servers) > 2 and name == str(ROOT):
                    change = 100 * (counts[name] / counts[servers[1]] - 1)
                    figures.append(Figure(f"  change from {servers[1]}", change, "%"))
    report("Slack ack: instructions per event (callgrind), PostgreSQL, ASGI app in-process", figures)


if __name__ == "__main__":
    main()
