"""How pages show a ticket's response-time commitment: time left or overdue for agents (text as
well as colour), and the expected first response for the customer in their organization's time
zone ("by 15:30 today"). Pure functions of stored timestamps and a clock reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from assistdesk.domain.sla.clock import WARNING_SHARE, SlaTimes, sla_state
from assistdesk.domain.sla.enums import SlaState
from assistdesk.domain.tickets.models import Ticket
from assistdesk.i18n import Translator

_UNITS = {
    "en": ("d", "h", "min", "s", " "),
    "ja": ("日", "時間", "分", "秒", ""),
    "zh_Hans": ("天", "小时", "分钟", "秒", ""),
}


@dataclass(frozen=True)
class SlaCell:
    """`level`: none, ok, soon (80 % of the target gone), overdue, met, missed (answered late)."""

    state: str
    level: str
    seconds: int  # left while running, overdue while breached; 0 otherwise
    due_at: datetime | None


class TicketTimes(SlaTimes, Protocol):
    """A ticket or a plain row of one: the clock's timestamps and when it was opened."""

    @property
    def created_at(self) -> datetime: ...


def sla_cell(ticket: TicketTimes, now: datetime) -> SlaCell:
    state, level, seconds = sla_reading(ticket, now)
    return SlaCell(state, level, seconds, None if level == "none" else ticket.first_response_due_at)


def sla_reading(ticket: TicketTimes, now: datetime) -> tuple[str, str, int]:
    """`sla_cell`'s state, level and seconds, without the cell: a queue page reads fifty clocks and
    builds a cell only for a row it has not shown before (`queues.table_rows`)."""
    state = sla_state(ticket, now)
    due = ticket.first_response_due_at
    if state is SlaState.NONE or due is None:
        return state.value, "none", 0
    if state is SlaState.MET:
        return state.value, "met", 0
    if ticket.first_response_at is not None:
        return state.value, "missed", 0
    left = (due - now).total_seconds()
    if left < 0:
        return state.value, "overdue", int(-left)
    whole = max(1.0, (due - ticket.created_at).total_seconds())
    level = "soon" if left <= whole * (1 - WARNING_SHARE) + 0.5 else "ok"
    return state.value, level, int(left)


def span(seconds: int, locale: str) -> str:
    """A duration in at most two units: `2 h 5 min`, `2時間5分`."""
    day, hour, minute, second, gap = _UNITS.get(locale, _UNITS["en"])
    parts: list[tuple[int, str]]
    if seconds >= 86400:
        parts = [(seconds // 86400, day), (seconds % 86400 // 3600, hour)]
    elif seconds >= 3600:
        parts = [(seconds // 3600, hour), (seconds % 3600 // 60, minute)]
    elif seconds >= 60:
        parts = [(seconds // 60, minute)]
    else:
        parts = [(seconds, second)]
    shown = [f"{n}{gap}{unit}" for n, unit in parts if n or len(parts) == 1]
    return " ".join(shown) if gap else "".join(shown)


def cell_text(cell: SlaCell, _: Translator) -> str:
    if cell.level in ("ok", "soon"):
        return _("{time} left", time=span(cell.seconds, _.locale))
    if cell.level == "overdue":
        return _("Overdue by {time}", time=span(cell.seconds, _.locale))
    if cell.level == "met":
        return _("Met")
    if cell.level == "missed":
        return _("Answered late")
    return "—"


def expected_by(ticket: Ticket, now: datetime, _: Translator) -> str | None:
    """The help center's sentence while a first response is awaited, in the organization's zone."""
    state = sla_state(ticket, now)
    due = ticket.first_response_due_at
    if due is None or ticket.first_response_at is not None:
        return None
    if state is SlaState.BREACHED:
        return _("A first response is overdue; the support team has been alerted.")
    zone_name = ticket.organization.timezone or "UTC"
    zone = ZoneInfo(zone_name)
    local_due, local_now = due.astimezone(zone), now.astimezone(zone)
    clock = f"{local_due:%H:%M}"
    days = (local_due.date() - local_now.date()).days
    if days == 0:
        when = _("by {time} today", time=clock)
    elif days == 1:
        when = _("by {time} tomorrow", time=clock)
    else:
        when = _("by {date} {time}", date=f"{local_due:%Y-%m-%d}", time=clock)
    return _("Expected first response: {when} ({zone}).", when=when, zone=zone_name)
