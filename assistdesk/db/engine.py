"""Engines tuned per database.

- SQLite: WAL so readers never block the writer; `BEGIN IMMEDIATE` for writing transactions, because
  a deferred transaction that later wants to write fails with SQLITE_BUSY instead of waiting;
  a busy timeout so concurrent writers queue.
- MySQL/MariaDB/TiDB: utf8mb4 and READ COMMITTED, the level whose behaviour TiDB and InnoDB share.
- PostgreSQL: psycopg 3.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

READ_ONLY = "assistdesk_read_only"

_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mariadb+pymysql",
    "sqlite": "sqlite",
}


def normalise_url(raw: str) -> URL:
    """Accept driverless URLs (`postgresql://`, `mysql://`) and pick the drivers we ship."""
    url = make_url(raw)
    if "+" not in url.drivername and url.drivername in _DRIVERS:
        url = url.set(drivername=_DRIVERS[url.drivername])
    if url.get_backend_name() in ("mysql", "mariadb") and "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    return url


def build_engine(raw_url: str, *, pool_size: int = 20, echo: bool = False) -> Engine:
    url = normalise_url(raw_url)
    backend = url.get_backend_name()
    # No pre-ping: it costs a round trip on every checkout. Connections are recycled before servers
    # drop idle ones, and Database.run retries a transaction whose connection turned out dead.
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": False}
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        if url.database in (None, "", ":memory:"):
            raise ValueError("use a file for SQLite: several connections must see one database")
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
    else:
        kwargs["pool_size"] = pool_size
        kwargs["max_overflow"] = pool_size
        kwargs["pool_recycle"] = 1800
        if backend in ("mysql", "mariadb"):
            kwargs["isolation_level"] = "READ COMMITTED"
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN IMMEDIATE and SAVEPOINT work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def backend_name(engine: Engine) -> str:
    """`sqlite`, `postgresql` or `mysql` (MariaDB and TiDB answer as mysql)."""
    name = engine.dialect.name
    return "mysql" if name == "mariadb" else name
