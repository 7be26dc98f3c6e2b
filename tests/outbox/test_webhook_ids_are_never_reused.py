"""A removed webhook's id is never given to a new one (SQLite reused it), so replaying an old dead
letter cannot deliver a signed event to a later subscriber."""

from __future__ import annotations

from pathlib import Path

from assistdesk.domain.webhooks import service as webhooks
from assistdesk.outbox import admin
from assistdesk.outbox.models import JobStatus
from assistdesk.runtime import Runtime
from tests.fakes.sink import Answer, Sink
from tests.outbox.harness import add_hook, enqueue_to, running, worker
from tests.outbox.test_webhook_destinations import settled


def test_replaying_a_removed_webhooks_dead_letter_reaches_no_new_subscriber(
    runtime: Runtime, sink: Sink
) -> None:
    sink.always("old", Answer(410))
    old = add_hook(runtime, sink.url("old"))
    with running(worker(runtime, max_failures=1), closers=[runtime.handlers["webhook"].aclose]):  # type: ignore[attr-defined]
        enqueue_to(runtime, old, [1])
        [dead] = settled(runtime, 1)
        assert dead.status == JobStatus.FAILED.value
        runtime.db.run(lambda uow: webhooks.remove_webhook(uow, webhook_id=old))
        new = add_hook(runtime, sink.url("new"))
        assert new != old
        runtime.db.run(lambda uow: admin.retry(uow, job_id=dead.id))
        [replayed] = settled(runtime, 1)
    assert (replayed.status, replayed.attempts) == (JobStatus.FAILED.value, 2)
    assert sink.bodies("new") == []


def test_the_upgrade_starts_new_ids_above_every_id_a_delivery_names(tmp_path: Path) -> None:
    """An installation that already lost its newest webhooks: the upgrade counts from above them.
    SQLite's alone: elsewhere the migration does nothing (sequences never go back). A database of its
    own, made at 0004: the session's shared one must not go through downgrades."""
    from alembic import command
    from sqlalchemy import text

    from assistdesk.db import migrate
    from assistdesk.db.engine import build_engine

    engine = build_engine(f"sqlite:///{tmp_path / 'before-0008.db'}", pool_size=1)
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "0004")
        with engine.begin() as conn:
            for n in (1, 2, 3):
                conn.execute(
                    text(
                        "INSERT INTO webhook_subscriptions (id, url, secret_ciphertext, events, active, created_at)"
                        " VALUES (:id, 'https://hooks.example/in', 'x', '[]', :active, CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "active": True},
                )
            conn.execute(
                text(
                    "INSERT INTO outbox_jobs (destination, kind, payload, idempotency_key, status, attempts,"
                    " failures, available_at, created_at) VALUES ('webhook:5', 'webhook.event', '{}', 'k5',"
                    " 'failed', 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(text("DELETE FROM webhook_subscriptions WHERE id = 3"))
        assert migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO webhook_subscriptions (url, secret_ciphertext, events, active, created_at)"
                    " VALUES ('https://hooks.example/new', 'x', '[]', :active, CURRENT_TIMESTAMP)"
                ),
                {"active": True},
            )
            newest = conn.execute(text("SELECT max(id) FROM webhook_subscriptions")).scalar()
        assert newest == 6  # above the dead letter's webhook:5
    finally:
        engine.dispose()
