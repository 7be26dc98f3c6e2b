"""Applying migrations, safely from several processes at once.

Every CLI command and `serve` migrate first (INTERFACE.md), so many processes may start together:
PostgreSQL and MySQL take a named lock around the upgrade; on SQLite the first write transaction
(BEGIN IMMEDIATE) serialises them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from assistdesk.db.engine import backend_name

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_NAME = "assistdesk_migrate"
_PG_LOCK_KEY = 0x61737369  # "assi"


def alembic_config(connection: Connection | None = None, **attributes: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    backend = backend_name(engine)
    if backend == "sqlite":
        yield
        return
    with engine.connect() as lock_conn:
        if backend == "postgresql":
            lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        else:
            got = lock_conn.execute(text("SELECT GET_LOCK(:n, 120)"), {"n": _LOCK_NAME}).scalar()
            if got != 1:
                raise RuntimeError("timed out waiting for another process's migration")
        lock_conn.commit()
        try:
            yield
        finally:
            if backend == "postgresql":
                lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            else:
                lock_conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": _LOCK_NAME})
            lock_conn.commit()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns whether anything was applied."""
    if is_current(engine):
        return False
    with _migration_lock(engine), engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")
    return True
