"""Every table's model, imported so that `Base.metadata` is complete (for autogeneration and the
test that migrations and models agree)."""

from __future__ import annotations

from assistdesk.bridge.slack import models as _slack
from assistdesk.db.base import Base
from assistdesk.domain.access import models as _access
from assistdesk.domain.links import models as _links
from assistdesk.domain.orgs import models as _orgs
from assistdesk.domain.people import models as _people
from assistdesk.domain.tickets import models as _tickets
from assistdesk.domain.webhooks import models as _webhooks
from assistdesk.outbox import models as _outbox

MODULES = (_orgs, _people, _tickets, _links, _webhooks, _outbox, _slack, _access)
metadata = Base.metadata
