from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from assistdesk.domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LoginRequested(DomainEvent):
    """A known contact asked to sign in. Carries the link token and the code in memory only (the
    database keeps their digests); the mail subscriber seals them into the outgoing mail's job."""

    name: ClassVar[str] = "access.login_requested"
    contact_id: int
    email: str
    locale: str
    link_token: str = field(repr=False)
    code: str = field(repr=False)
