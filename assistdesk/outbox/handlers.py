"""The port between the worker and whatever delivers a channel's jobs (Slack, Lark, webhooks)."""

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
