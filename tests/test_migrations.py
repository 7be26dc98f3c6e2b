"""The migrations build exactly the schema the models describe, on every database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assistdesk.db import migrate
from assistdesk.db.engine import build_engine
from assistdesk.schema import include_name, metadata


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = build_engine(db_url, pool_size=1)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": include_name}
            )
            differences = compare_metadata(context, metadata)
        assert differences == []
        assert migrate.is_current(engine)
        assert migrate.upgrade(engine) is False  # a second run has nothing to do
    finally:
        engine.dispose()
