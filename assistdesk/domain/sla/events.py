"""What the commitment clock reports: the two announcements, and the first response (for metrics)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from assistdesk.domain.tickets.events import TicketEvent


@dataclass(frozen=True, kw_only=True)
class SlaWarning(TicketEvent):
    """80 % of the first-response target has gone by without a public agent reply."""

    name: ClassVar[str] = "ticket.sla_warning"
    due_at: str
    plan: str
    severity: str


@dataclass(frozen=True, kw_only=True)
class SlaBreached(TicketEvent):
    """The first-response due time passed without a public agent reply."""

    name: ClassVar[str] = "ticket.sla_breached"
    due_at: str
    plan: str
    severity: str


@dataclass(frozen=True, kw_only=True)
class FirstResponded(TicketEvent):
    """The first public reply by an agent, on a ticket that had a target."""

    name: ClassVar[str] = "ticket.first_responded"
    plan: str
    severity: str
    seconds: float
    met: bool
    breach_announced: bool  # False: a late answer came before the scan announced the breach
