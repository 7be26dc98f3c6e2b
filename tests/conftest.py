from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.db.uow import is_retryable, retry_pause
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.schema import metadata
from assistdesk.settings import Settings
from tests import databases

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", databases.selected_backends(), scope="session")


@pytest.fixture(scope="session")
def _provisioned(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[databases.ProvisionedDatabase, Engine]]:
    try:
        database = databases.provision(backend, tmp_path_factory.getbasetemp())
    except ConnectionError as exc:
        if databases.in_ci():
            pytest.fail(f"CI=true and the test database is unreachable: {exc}")
        pytest.skip(f"database unreachable: {exc}")
    engine = build_engine(database.url, pool_size=5)
    migrate.upgrade(engine)
    yield database, engine
    engine.dispose()
    databases.drop(database)


def empty_tables(engine: Engine) -> None:
    """Every table emptied, again after a deadlock: a desk's worker still settling the previous
    test's last delivery (its outcome, its release) may hold rows this deletes."""
    for attempt in range(1, 6):
        try:
            with engine.begin() as conn:
                if engine.dialect.name in ("mysql", "mariadb"):
                    conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())
                if engine.dialect.name in ("mysql", "mariadb"):
                    conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
            return
        except DBAPIError as exc:
            if attempt == 5 or not is_retryable(exc):
                raise
            retry_pause(attempt)


@pytest.fixture
def db_url(_provisioned: tuple[databases.ProvisionedDatabase, Engine]) -> str:
    """A migrated, empty database on the backend under test."""
    database, engine = _provisioned
    empty_tables(engine)
    return database.url


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "secret_key": TEST_SECRET_KEY,
        "public_url": "https://help.example.test",
        "outbox_poll_seconds": 0.2,
        # The loopback sinks the tests deliver webhooks to are private addresses.
        "webhook_allow_private": True,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, run_migrations=False)
    yield rt
    rt.db.dispose()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent
