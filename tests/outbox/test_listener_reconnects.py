"""A worker whose LISTEN connection is dropped (a database restart, a proxy's idle timeout) listens
again: commits made in other processes keep waking it instead of waiting for its next poll."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from assistdesk.runtime import build_runtime
from assistdesk.settings import Settings
from tests.fakes.sink import Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker

POLL_SECONDS = 30.0
DROP_LISTENERS = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
)


def test_a_dropped_listen_connection_is_opened_again(settings: Settings, backend: str, sink: Sink) -> None:
    if backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    worker_side = build_runtime(settings, run_migrations=False)
    web_side = build_runtime(settings, run_migrations=False)  # shares no in-process wake-up
    try:
        hook = add_hook(web_side, sink.url("a"))
        closers = [worker_side.handlers["webhook"].aclose]  # type: ignore[attr-defined]
        with running(worker(worker_side, poll=POLL_SECONDS), closers=closers):
            time.sleep(0.5)
            with web_side.db.engine.begin() as conn:
                assert conn.execute(DROP_LISTENERS).all() == [(True,)]
            time.sleep(3.0)  # the listener waits 2 s before it connects again
            enqueue_to(web_side, hook, [1])
            assert [r.body["n"] for r in sink.wait_for(1, name="a", timeout=5)] == [1]
    finally:
        worker_side.db.dispose()
        web_side.db.dispose()
