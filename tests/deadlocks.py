"""Make a database abort a statement once, as it aborts the loser of a deadlock, to test that the
transaction is run again from the start and its effects land once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text


@contextmanager
def deadlock_once(engine: Engine, backend: str, *, table: str, on: str, when: str = "TRUE") -> Iterator[None]:
    """The first `on` (INSERT, UPDATE) of a row of `table` for which `when` holds (SQL on NEW) fails
    as a deadlock does (PostgreSQL 40P01, MySQL/MariaDB 1213); later ones succeed. The count is a
    sequence: it survives the rollback of the transaction that failed. SQLite has none: skipped."""
    name = f"deadlock_once_{table}"
    statements = {
        "postgresql": [
            f"CREATE SEQUENCE {name}",
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF ({when}) AND nextval('{name}') = 1 THEN"
            " RAISE EXCEPTION 'deadlock (test)' USING ERRCODE = '40P01'; END IF; RETURN NEW; END $$",
            f"CREATE TRIGGER {name} BEFORE {on} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ],
        "mariadb": [
            f"CREATE SEQUENCE {name}",
            f"CREATE TRIGGER {name} BEFORE {on} ON {table} FOR EACH ROW BEGIN"
            f" IF ({when}) AND NEXTVAL({name}) = 1 THEN"
            " SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'deadlock (test)'; END IF; END",
        ],
    }.get(backend)
    if statements is None:
        pytest.skip("SQLite has no counter that outlives a rolled-back transaction")
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if backend == "postgresql":
                conn.execute(text(f"DROP TRIGGER {name} ON {table}"))
                conn.execute(text(f"DROP FUNCTION {name}"))
            else:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(f"DROP SEQUENCE {name}"))
