"""Test databases on SQLite, PostgreSQL and MariaDB/MySQL.

Each test process creates its own throw-away databases on the servers (so parallel runs never
collide), migrates them once with the real migrations, and empties the tables between tests.
Under CI=true a server that cannot be reached fails the run; elsewhere its tests are skipped.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BACKENDS = ("sqlite", "postgresql", "mariadb")

SERVER_URLS = {
    "postgresql": os.environ.get(
        "ASSISTDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
    "mariadb": os.environ.get("ASSISTDESK_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def selected_backends() -> tuple[str, ...]:
    raw = os.environ.get("ASSISTDESK_TEST_DATABASES", ",".join(BACKENDS))
    chosen = tuple(b.strip() for b in raw.split(",") if b.strip())
    unknown = [b for b in chosen if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown test database {unknown[0]!r}; choose from {BACKENDS}")
    return chosen


@dataclass
class ProvisionedDatabase:
    backend: str
    url: str
    drop_sql: str | None
    admin_url: str | None


def provision(backend: str, workdir: Path) -> ProvisionedDatabase:
    """Create an empty database; raises ConnectionError when the server is unreachable."""
    name = f"adk_t{os.getpid()}_{secrets.token_hex(3)}"
    if backend == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="adk-", dir=workdir)) / "test.db"
        return ProvisionedDatabase("sqlite", f"sqlite:///{path}", None, None)
    server = make_url(SERVER_URLS[backend])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(
                    text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
                )
    except Exception as exc:
        raise ConnectionError(f"{backend} at {server.render_as_string(hide_password=True)}: {exc}") from exc
    finally:
        admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    drop = (
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        if backend == "postgresql"
        else f"DROP DATABASE IF EXISTS `{name}`"
    )
    return ProvisionedDatabase(backend, url, drop, server.render_as_string(hide_password=False))


def drop(database: ProvisionedDatabase) -> None:
    if database.drop_sql is None or database.admin_url is None:
        return
    admin = create_engine(database.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(database.drop_sql))
    finally:
        admin.dispose()
