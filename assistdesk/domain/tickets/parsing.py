"""Limits and the parsing of the words users type for severities, statuses and SLA filters."""

from __future__ import annotations

from assistdesk.domain.sla.enums import SlaState
from assistdesk.domain.tickets.enums import Severity, Status
from assistdesk.errors import Invalid

MAX_TITLE = 255
MAX_BODY = 100_000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def parse_severity(raw: str | None) -> Severity:
    if raw is None or raw == "":
        return Severity.default()
    try:
        return Severity(raw.strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise Invalid(f"unknown severity {raw!r} (choose one of: {choices})", field="severity") from None


def parse_sla_filter(raw: str) -> SlaState:
    """The REST filter's values (INTERFACE.md): `running` or `breached`."""
    value = (raw or "").strip().lower()
    if value not in (SlaState.RUNNING.value, SlaState.BREACHED.value):
        raise Invalid(f"unknown sla filter {raw!r} (choose one of: running, breached)", field="sla")
    return SlaState(value)


def parse_status(raw: str) -> Status:
    try:
        return Status((raw or "").strip().lower())
    except ValueError:
        choices = ", ".join(s.value for s in Status)
        raise Invalid(f"unknown status {raw!r} (choose one of: {choices})", field="status") from None
