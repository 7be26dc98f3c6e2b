"""Faults in the middle of a Slack burst: nothing lost, nothing posted twice.

    uv run python bench/fault_tolerance.py [--scenario kill,restart] [--comments 300] [--json]

Both scenarios run `assistdesk worker` processes against a fake Slack Web API in this process, on a
private throw-away PostgreSQL cluster (initdb + pg_ctl on a free port, never the machine's shared
server), and count, per numbered agent comment, the comments committed in the database and the posts
Slack received:
1. kill: a burst of comments is queued; once a fifth of them are posted, the worker is killed with
   SIGKILL (no clean-up, leases held, a post possibly sent and not recorded); a second worker takes
   over when the leases expire.
2. restart: comments keep being written (10 per second, retried on connection errors) while the
   worker delivers them; midway, PostgreSQL is restarted (`pg_ctl restart -m fast`), dropping every
   connection of both.
`lost` counts comments with no post, `duplicated` comments posted more than once. Both must be 0.
With --json the last line is the figures as JSON (the test reads it).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import base_env, free_port
from bench.slack_delivery import TEAM, TOKEN, seed
from tests.fakes.slack_api import FakeSlack

MARK = re.compile(r"fault comment #(\d+)\b")
CHANNELS = [f"C0FAULT{n:02d}" for n in range(10)]


# A private PostgreSQL ---------------------------------------------------------------------------


class PrivatePostgres:
    """initdb + pg_ctl on a temporary directory and a free port, run as the `postgres` user when
    this process is root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="adk-pg-"))
        self.data = self.dir / "data"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user:
            entry = pwd.getpwnam(self._user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", action, "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options, "-w", *extra
        )

    def start(self) -> None:
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# Workers, comments, counts ------------------------------------------------------------------------


def worker_env(db_url: str, fake: FakeSlack) -> dict[str, str]:
    return base_env(
        db_url,
        SLACK_SIGNING_SECRET="bench-signing-secret",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=fake.api_url,
        ASSISTDESK_OUTBOX_RATE_SLACK="200",
        ASSISTDESK_OUTBOX_LEASE_SECONDS="3",
        ASSISTDESK_OUTBOX_POLL_SECONDS="0.2",
    )


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "assistdesk", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Writer:
    """Writes numbered agent comments through the domain (each with its outbox jobs, in one
    transaction), retrying a number whose commit failed unless it is found committed."""

    def __init__(self, env: dict[str, str], keys: list[str]) -> None:
        from assistdesk.runtime import build_runtime
        from assistdesk.settings import Settings

        settings = Settings(
            database_url=env["ASSISTDESK_DATABASE_URL"],
            secret_key=env["ASSISTDESK_SECRET_KEY"],
            public_url=env["ASSISTDESK_PUBLIC_URL"],
            slack_signing_secret=env["SLACK_SIGNING_SECRET"],
            slack_bot_token=env["SLACK_BOT_TOKEN"],
            slack_api_url=env["SLACK_API_URL"],
        )  # type: ignore[call-arg]
        self.runtime = build_runtime(settings, run_migrations=False)
        self.keys = keys
        self.retried = 0

    def write(self, number: int) -> None:
        from assistdesk.domain.people import service as people
        from assistdesk.domain.tickets import service as tickets
        from assistdesk.domain.tickets.enums import CommentSource
        from assistdesk.domain.tickets.service import Author

        key = self.keys[number % len(self.keys)]

        def work(uow):  # type: ignore[no-untyped-def]
            agent = people.find_agent(uow.session, "dana@vendor.example")
            tickets.add_comment(
                uow,
                ticket=tickets.get_ticket(uow.session, key),
                author=Author.of_agent(agent),
                body=f"fault comment #{number} for {key}",
                public=True,
                source=CommentSource.API,
            )

        deadline = time.monotonic() + 120
        while True:
            try:
                self.runtime.db.run(work)
                return
            except Exception:  # the database is restarting: try again, unless it did commit
                self.retried += 1
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
                with contextlib.suppress(Exception):
                    if number in self.committed():
                        return

    def committed(self) -> Counter[int]:
        from sqlalchemy import select

        from assistdesk.domain.tickets.models import Comment

        with self.runtime.db.reading() as session:
            bodies = session.scalars(select(Comment.body).where(Comment.body.like("fault comment #%")))
            return Counter(int(m.group(1)) for b in bodies if (m := MARK.search(b)))

    def close(self) -> None:
        self.runtime.db.dispose()


def posted(fake: FakeSlack) -> Counter[int]:
    with fake._lock:
        texts = [str(m.get("text") or "") for m in fake.posted.values()]
    return Counter(int(m.group(1)) for t in texts if (m := MARK.search(t)))


def settle(fake: FakeSlack, writer: Writer, timeout: float) -> tuple[Counter[int], Counter[int]]:
    """Until every committed comment is posted (or the time is up): (committed, posted)."""
    deadline = time.monotonic() + timeout
    while True:
        committed, seen = writer.committed(), posted(fake)
        if set(committed) <= set(seen) or time.monotonic() > deadline:
            time.sleep(1.0)  # late duplicates, if any, have a moment to show
            return writer.committed(), posted(fake)
        time.sleep(0.2)


def counts(name: str, committed: Counter[int], seen: Counter[int], **extra: object) -> dict[str, object]:
    return {
        "scenario": name,
        "comments": sum(committed.values()),
        "posts": sum(seen.values()),
        "lost": sum(1 for n in committed if seen[n] == 0),
        "duplicated": sum(1 for n in committed if seen[n] > committed[n]),
        **extra,
    }


# Scenarios ---------------------------------------------------------------------------------------


def prepare(fake: FakeSlack, db_url: str) -> tuple[dict[str, str], Writer]:
    from assistdesk.db import migrate
    from assistdesk.db.engine import build_engine

    engine = build_engine(db_url, pool_size=1)
    migrate.upgrade(engine)
    engine.dispose()
    env = worker_env(db_url, fake)
    _, keys = seed(db_url, env["ASSISTDESK_SECRET_KEY"], CHANNELS)
    return env, Writer(env, [keys[c] for c in CHANNELS])


def kill_scenario(fake: FakeSlack, db_url: str, comments: int) -> dict[str, object]:
    env, writer = prepare(fake, db_url)
    try:
        for number in range(1, comments + 1):
            writer.write(number)
        first = start_worker(env)
        deadline = time.monotonic() + 120
        while sum(posted(fake).values()) < comments // 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        at_kill = sum(posted(fake).values())
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        second = start_worker(env)
        try:
            committed, seen = settle(fake, writer, 180)
        finally:
            stop_worker(second)
        return counts("kill -9 of a worker mid-burst", committed, seen, posted_before_kill=at_kill)
    finally:
        writer.close()


def restart_scenario(fake: FakeSlack, server: PrivatePostgres, comments: int) -> dict[str, object]:
    env, writer = prepare(fake, server.url)
    worker = start_worker(env)
    restarted = threading.Event()
    try:

        def restart_midway() -> None:
            while sum(posted(fake).values()) < comments // 3:
                time.sleep(0.05)
            server.restart()
            restarted.set()

        restarter = threading.Thread(target=restart_midway, daemon=True)
        restarter.start()
        for number in range(1, comments + 1):
            writer.write(number)
            time.sleep(0.1)  # 10 comments per second: the restart lands in a steady stream
        restarter.join(120)
        committed, seen = settle(fake, writer, 180)
        return counts(
            "PostgreSQL restarted under load",
            committed,
            seen,
            restarted=restarted.is_set(),
            writes_retried=writer.retried,
        )
    finally:
        stop_worker(worker)
        writer.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", default="kill,restart")
    parser.add_argument("--comments", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fake = FakeSlack()
    fake.add_workspace(TEAM, TOKEN)
    results = []
    try:
        for scenario in [s.strip() for s in args.scenario.split(",") if s.strip()]:
            fake.reset()
            fake.add_workspace(TEAM, TOKEN)
            with private_postgres() as server:
                if scenario == "kill":
                    results.append(kill_scenario(fake, server.url, args.comments))
                elif scenario == "restart":
                    results.append(restart_scenario(fake, server, args.comments))
                else:
                    raise SystemExit(f"unknown scenario {scenario!r} (kill, restart)")
    finally:
        fake.close()
    print("# Faults in a Slack burst (private PostgreSQL, `assistdesk worker` processes, fake Slack)")
    for result in results:
        figures = ", ".join(f"{k} {v}" for k, v in result.items() if k != "scenario")
        verdict = "ok" if result["lost"] == 0 and result["duplicated"] == 0 else "FAILED"
        print(f"{result['scenario']}: {figures}  [{verdict}]")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
