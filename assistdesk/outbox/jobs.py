"""The job as handlers see it, and how destinations are named."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def destination_key(channel: str, *parts: str) -> str:
    """`slack:T0123:C0456`: the channel (the handler that delivers) first, then its address."""
    if not channel or ":" in channel:
        raise ValueError(f"bad channel name {channel!r}")
    return ":".join((channel, *parts))[:255]


def channel_of(destination: str) -> str:
    return destination.split(":", 1)[0]


def idempotency_key(*parts: object) -> str:
    """A stable 32-character key (Lark accepts at most 50 for its `uuid`)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class NewJob:
    destination: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class Job:
    id: int
    destination: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int
    failures: int
    created_at: datetime
    available_at: datetime
    # Read just after taking a destination over from a worker that died holding it: that worker may
    # have sent this job and been killed before recording it (attempts still says 0).
    maybe_sent: bool = False

    @property
    def channel(self) -> str:
        return channel_of(self.destination)

    @property
    def is_retry(self) -> bool:
        """A previous attempt may have reached the platform before we lost its answer."""
        return self.attempts > 0 or self.maybe_sent
