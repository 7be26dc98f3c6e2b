"""Every table's model, imported so that `Base.metadata` is complete (for autogeneration and the
test that migrations and models agree)."""

from __future__ import annotations

from typing import Any

from assistdesk.bridge.mail import models as _mail
from assistdesk.bridge.slack import models as _slack
from assistdesk.db.base import Base
from assistdesk.domain.access import models as _access
from assistdesk.domain.links import hints as _hints
from assistdesk.domain.links import models as _links
from assistdesk.domain.orgs import models as _orgs
from assistdesk.domain.people import models as _people
from assistdesk.domain.sla import models as _sla
from assistdesk.domain.tickets import models as _tickets
from assistdesk.domain.tickets import search as _search
from assistdesk.domain.webhooks import models as _webhooks
from assistdesk.outbox import models as _outbox

MODULES = (_orgs, _people, _tickets, _links, _webhooks, _outbox, _slack, _access, _hints, _sla, _mail)
metadata = Base.metadata

# Made by migration 0004 for one database each and not modelled: the ticket text index (on SQLite an
# FTS5 table, with the shadow tables FTS5 makes: tickets_fts_data, _idx, _docsize, _config), and
# PostgreSQL's partial index for unassigned tickets.
UNMODELLED_INDEXES = frozenset(
    {
        _search.POSTGRESQL_INDEX,
        _search.MYSQL_INDEX,
        _search.POSTGRESQL_UNASSIGNED_INDEX,
        "ix_tickets_unassigned_status_due_id",  # migration 0005, PostgreSQL only: the New queue by due time
    }
)


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Alembic's `include_name` hook: what comparing the database with the models should look at."""
    if type_ == "table" and name is not None:
        return name != _search.SQLITE_TABLE and not name.startswith(_search.SQLITE_TABLE + "_")
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True
