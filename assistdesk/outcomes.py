"""What a delivery attempt came to. Platform clients return these; the outbox worker records them.

A neutral vocabulary so that platform code needs nothing from the outbox, and the outbox nothing from
any platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Delivered:
    """Accepted by the destination; `reference` is its id for what we sent (a message ts)."""

    reference: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryAfter:
    """Rate limited: the destination asked us to wait. Does not count against the error budget."""

    seconds: float
    reason: str = "rate limited"


@dataclass(frozen=True)
class TransientFailure:
    """Worth trying again later (5xx, timeout, connection refused)."""

    reason: str


@dataclass(frozen=True)
class PermanentFailure:
    """Retrying cannot help (channel gone, bot removed); kept as a dead letter an admin can replay."""

    reason: str


Outcome = Delivered | RetryAfter | TransientFailure | PermanentFailure
