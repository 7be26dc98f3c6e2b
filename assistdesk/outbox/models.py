"""Two tables.

`outbox_jobs` holds every message. `outbox_destinations` holds one row per destination (a Slack
channel, a Lark group, a webhook): its schedule (`next_run_at`), its pacing (`not_before`) and its
lease. Workers lease *destinations*, not jobs: one worker at a time per destination gives order
within it, pacing per destination, and no head-of-line blocking across destinations.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow


class JobStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # a dead letter: visible with `outbox list --failed`, replayable


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (
        Index(None, "destination", "status", "id"),
        Index(None, "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    destination: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Stable across retries; sent to platforms that deduplicate (Lark's `uuid`, webhook receivers).
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OutboxDestination(Base):
    __tablename__ = "outbox_destinations"
    __table_args__ = (Index(None, "channel", "next_run_at"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every enqueue: a worker releasing the destination compares it to know whether a job
    # arrived while it was computing the next run (compare-and-set, so no wake-up is lost).
    enqueue_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hold_reason: Mapped[str | None] = mapped_column(Text)
