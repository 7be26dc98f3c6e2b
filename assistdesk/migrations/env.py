"""Alembic environment. Runs on the connection handed over by assistdesk.db.migrate.

Revisions never import application code (they must still run years later); only autogeneration,
a development task, passes the current models' metadata (and `assistdesk.schema.include_name`, which
leaves out the per-database text-search objects) through `config.attributes`.
"""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `assistdesk db upgrade`")

context.configure(
    connection=connection,
    target_metadata=config.attributes.get("target_metadata"),
    include_name=config.attributes.get("include_name"),  # assistdesk.schema.include_name, with the metadata
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
