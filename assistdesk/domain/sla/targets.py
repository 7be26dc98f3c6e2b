"""Targets: the plan page's defaults (INTERFACE.md, *Support plans*) and the operator's overrides."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.db.cache import cached_value
from assistdesk.db.types import utcnow
from assistdesk.domain.orgs.enums import Plan
from assistdesk.domain.sla.models import SlaTarget
from assistdesk.domain.tickets.enums import Severity
from assistdesk.errors import Invalid

HOUR = 3600
_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": 24 * HOUR}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)
MAX_SECONDS = 366 * 24 * HOUR


@dataclass(frozen=True)
class Target:
    """`seconds` of first-response time, counted in business hours or around the clock."""

    seconds: int
    business_hours: bool


@dataclass(frozen=True)
class TargetRow:
    plan: Plan
    severity: Severity
    target: Target | None
    overridden: bool


DEFAULTS: dict[tuple[Plan, Severity], Target] = {
    (Plan.DEVELOPER, Severity.S1): Target(4 * HOUR, True),
    (Plan.DEVELOPER, Severity.S2): Target(8 * HOUR, True),
    (Plan.DEVELOPER, Severity.S3): Target(12 * HOUR, True),
    (Plan.DEVELOPER, Severity.S4): Target(24 * HOUR, True),
    (Plan.ENTERPRISE, Severity.S1): Target(1 * HOUR, False),
    (Plan.ENTERPRISE, Severity.S2): Target(2 * HOUR, False),
    (Plan.ENTERPRISE, Severity.S3): Target(8 * HOUR, True),
    (Plan.ENTERPRISE, Severity.S4): Target(24 * HOUR, True),
    (Plan.PREMIUM, Severity.S1): Target(30 * 60, False),
    (Plan.PREMIUM, Severity.S2): Target(1 * HOUR, False),
    (Plan.PREMIUM, Severity.S3): Target(4 * HOUR, True),
    (Plan.PREMIUM, Severity.S4): Target(24 * HOUR, True),
}


def parse_duration(raw: str) -> int | None:
    """`30s`, `45m`, `4h`, `2d` (= 48 h) as seconds; `none` as None (no target)."""
    text = (raw or "").strip().lower()
    if text == "none":
        return None
    match = _DURATION.match(text)
    if match is None:
        raise Invalid(f"unreadable duration {raw!r} (write 30s, 45m, 4h, 2d or none)", field="duration")
    seconds = round(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if seconds <= 0:
        raise Invalid(f"the duration must be more than zero, not {raw!r}", field="duration")
    if seconds > MAX_SECONDS:
        raise Invalid(f"the duration {raw!r} is longer than a year", field="duration")
    return seconds


def format_duration(seconds: int, *, business_hours: bool = False) -> str:
    """`4h`, `2d`…; business time never in days (the plan page says "24 business hours": `1d` would
    read as one business day, i.e. nine hours)."""
    units = (("h", HOUR), ("m", 60)) if business_hours else (("d", 24 * HOUR), ("h", HOUR), ("m", 60))
    for unit, size in units:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Overrides = dict[tuple[str, str], Target | None]
CACHE = SlaTarget.process_cache


def _overrides(session: Session) -> Overrides:
    return {
        (r.plan, r.severity): None if r.seconds is None else Target(r.seconds, r.business_hours)
        for r in session.execute(
            select(SlaTarget.plan, SlaTarget.severity, SlaTarget.seconds, SlaTarget.business_hours)
        )
    }


def target_for(session: Session, plan: str, severity: str) -> Target | None:
    """Every create asks; the overrides (at most plans × severities rows) are read whole through
    the process cache, so a change made elsewhere applies here within a second."""
    overrides: Overrides = cached_value(session, CACHE, CACHE, lambda: _overrides(session))
    if (plan, severity) in overrides:
        return overrides[(plan, severity)]
    try:
        return DEFAULTS.get((Plan(plan), Severity(severity)))
    except ValueError:
        return None


def list_targets(session: Session) -> Sequence[TargetRow]:
    """Every plan × severity cell, basic included, in plan and severity order."""
    overrides = {(r.plan, r.severity): r for r in session.scalars(select(SlaTarget))}
    rows = []
    for plan in Plan:
        for severity in Severity:
            row = overrides.get((plan.value, severity.value))
            if row is None:
                rows.append(TargetRow(plan, severity, DEFAULTS.get((plan, severity)), False))
            else:
                target = None if row.seconds is None else Target(row.seconds, row.business_hours)
                rows.append(TargetRow(plan, severity, target, True))
    return rows


def set_target(
    session: Session, *, plan: str, severity: str, duration: str, business_hours: bool = False
) -> TargetRow:
    """Validates everything before writing anything; returns the cell as it now stands."""
    chosen_plan = parse_plan(plan)
    chosen_severity = parse_severity_strict(severity)
    seconds = parse_duration(duration)
    row = session.scalars(
        select(SlaTarget).where(
            SlaTarget.plan == chosen_plan.value, SlaTarget.severity == chosen_severity.value
        )
    ).one_or_none()
    if row is None:
        row = SlaTarget(plan=chosen_plan.value, severity=chosen_severity.value)
        session.add(row)
    row.seconds = seconds
    row.business_hours = business_hours and seconds is not None
    row.updated_at = utcnow()
    session.flush()
    target = None if seconds is None else Target(seconds, row.business_hours)
    return TargetRow(chosen_plan, chosen_severity, target, True)


def parse_plan(raw: str) -> Plan:
    """The same words and message as the organizations' parser; spelled here because the ticket and
    organization services call into this package."""
    try:
        return Plan((raw or "").strip().lower())
    except ValueError:
        choices = ", ".join(p.value for p in Plan)
        raise Invalid(f"unknown plan {raw!r} (choose one of: {choices})", field="plan") from None


def parse_severity_strict(raw: str) -> Severity:
    """Like the tickets' parser, but an empty value is an error, not the default severity."""
    try:
        return Severity((raw or "").strip().upper())
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise Invalid(f"unknown severity {raw!r} (choose one of: {choices})", field="severity") from None
