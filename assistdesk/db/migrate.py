"""Applying migrations, safely from several processes at once.

Every CLI command and `serve` migrate first (INTERFACE.md), so many processes may start together:
PostgreSQL and MySQL take a named lock around the upgrade; on SQLite the first write transaction
(BEGIN IMMEDIATE) serialises them.

Whether anything is to be done is decided without Alembic, which every command would otherwise
import and which would load every revision script: the newest revisions are read from the scripts'
`revision`/`down_revision` lines and compared with the `alembic_version` table. Alembic runs only
when they differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text

from assistdesk.db.engine import backend_name

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_LOCK_NAME = "assistdesk_migrate"
_PG_LOCK_KEY = 0x61737369  # "assi"
_VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def alembic_config(connection: Connection | None = None, **attributes: Any) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The revisions no other revision follows, from the scripts' top-level assignments (every
    script states both; tests/test_migrations.py checks the result against Alembic's)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise RuntimeError(f"{script.name}: no top-level revision/down_revision assignment")
        revisions.update(_QUOTED.findall(revision.group(1)))
        parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (none on a fresh database)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return set()
        return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


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
    from alembic import command

    with _migration_lock(engine), engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")
    return True
