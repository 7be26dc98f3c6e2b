"""Domain events: facts, named in the past tense, that a customer or a chat may need to hear of.

Services emit them on the unit of work; the application layer (bridge) turns them into outbox rows in
the same transaction. Events carry ids, not objects: subscribers read what they need.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from sqlalchemy.orm import Session

from assistdesk.db.types import utcnow


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = "event"
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: datetime = field(default_factory=utcnow)


class Work(Protocol):
    """What a service needs from its caller: a session and somewhere to put events."""

    @property
    def session(self) -> Session: ...

    def emit(self, event: object) -> None: ...
