"""The port between the worker and whatever delivers a channel's jobs (Slack, Lark, webhooks).

A handler whose `after_delivery` writes nothing may say so with a class attribute
`writes_after_delivery = False`: on PostgreSQL the worker then records its deliveries as plain
statements on the event loop (`OutcomeWriter.plain`) instead of on a session in a thread. Without
it, the worker assumes it writes.
"""

from __future__ import annotations

from typing import Protocol

from assistdesk.db.uow import UnitOfWork
from assistdesk.outbox.jobs import Job
from assistdesk.outcomes import Delivered, Outcome


class DeliveryHandler(Protocol):
    async def deliver(self, job: Job) -> Outcome:
        """Attempt one delivery. Must not raise for expected failures: return an outcome."""
        ...

    def after_delivery(self, uow: UnitOfWork, job: Job, outcome: Delivered) -> None:
        """Record what the destination answered (a message id), in the transaction that marks the
        job delivered."""
        ...
