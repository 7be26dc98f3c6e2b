"""Retry and pacing policy, and the worker's settings and periodic tasks."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 15 * 60.0
RETRY_AFTER_CAP_SECONDS = 3600.0


def backoff_seconds(failures: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 15 min, each scaled by 0.5–1.0 so
    that jobs failing together do not retry together."""
    exponent = max(0, failures - 1)
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2.0**exponent))
    return ceiling * (rng or random).uniform(0.5, 1.0)


def retry_after_seconds(value: float) -> float:
    return min(RETRY_AFTER_CAP_SECONDS, max(0.0, value))


@dataclass(frozen=True)
class RatePolicy:
    """Messages per second per destination, by channel; 0 means unpaced."""

    rates: Mapping[str, float] = field(default_factory=dict)
    default: float = 0.0

    def interval(self, channel: str) -> float:
        rate = self.rates.get(channel, self.default)
        return 1.0 / rate if rate > 0 else 0.0


@dataclass(frozen=True)
class WorkerConfig:
    lease_seconds: float = 30.0
    max_failures: int = 12
    concurrency: int = 32
    poll_seconds: float = 0.5
    batch_size: int = 100
    rates: RatePolicy = field(default_factory=RatePolicy)

    @property
    def delivery_timeout(self) -> float:
        return max(1.0, self.lease_seconds / 3)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[], object]
