"""The attainment report: per plan and severity, how many tickets had a target, how many were met
or breached, and the median and 90th percentile of the first-response time.

Counts are one grouped statement on every database. Percentiles are PostgreSQL's
`percentile_cont` there; SQLite and MySQL/MariaDB have no ordered-set aggregate, so their
first-response times are read per group and ranked here (a small installation's volume).
Still-running tickets count in `tickets` but are neither met nor breached yet.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistdesk.domain.sla.clock import state_condition
from assistdesk.domain.sla.enums import SlaState
from assistdesk.domain.tickets.models import Ticket


@dataclass(frozen=True)
class ReportRow:
    plan: str
    severity: str
    tickets: int
    met: int
    breached: int
    attainment: float | None  # percent of the settled ones (met + breached); None when none settled
    median_seconds: float | None
    p90_seconds: float | None


def sla_report(session: Session, *, since: datetime | None, now: datetime) -> Sequence[ReportRow]:
    conditions: list[ColumnElement[bool]] = [
        Ticket.first_response_due_at.is_not(None),
        Ticket.sla_plan.is_not(None),
    ]
    if since is not None:
        conditions.append(Ticket.created_at >= since)
    met = state_condition(SlaState.MET, now)
    breached = state_condition(SlaState.BREACHED, now)
    counts = session.execute(
        select(
            Ticket.sla_plan,
            Ticket.severity,
            func.count(),
            func.sum(case((met, 1), else_=0)),
            func.sum(case((breached, 1), else_=0)),
        )
        .where(*conditions)
        .group_by(Ticket.sla_plan, Ticket.severity)
    ).all()
    percentiles = _percentiles(session, conditions)
    rows = []
    for plan, severity, total, n_met, n_breached in sorted(counts, key=lambda r: (_plan_rank(r[0]), r[1])):
        n_met, n_breached = int(n_met or 0), int(n_breached or 0)
        settled = n_met + n_breached
        median, p90 = percentiles.get((plan, severity), (None, None))
        rows.append(
            ReportRow(
                plan=plan,
                severity=severity,
                tickets=int(total),
                met=n_met,
                breached=n_breached,
                attainment=round(100.0 * n_met / settled, 1) if settled else None,
                median_seconds=median,
                p90_seconds=p90,
            )
        )
    return rows


def _plan_rank(plan: str) -> int:
    order = ("basic", "developer", "enterprise", "premium")
    return order.index(plan) if plan in order else len(order)


def _percentiles(
    session: Session, conditions: list[ColumnElement[bool]]
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    answered = [*conditions, Ticket.first_response_at.is_not(None)]
    backend = session.get_bind().dialect.name
    if backend == "postgresql":
        seconds = func.extract("epoch", Ticket.first_response_at - Ticket.created_at)
        found = session.execute(
            select(
                Ticket.sla_plan,
                Ticket.severity,
                func.percentile_cont(0.5).within_group(seconds),
                func.percentile_cont(0.9).within_group(seconds),
            )
            .where(*answered)
            .group_by(Ticket.sla_plan, Ticket.severity)
        ).all()
        return {(p, s): (_num(m), _num(n)) for p, s, m, n in found}
    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for plan, severity, created, answered_at in session.execute(
        select(Ticket.sla_plan, Ticket.severity, Ticket.created_at, Ticket.first_response_at).where(*answered)
    ):
        if plan is not None and answered_at is not None:
            times[(plan, severity)].append((answered_at - created).total_seconds())
    return {key: (_rank(values, 0.5), _rank(values, 0.9)) for key, values in times.items()}


def _num(value: object) -> float | None:
    return None if value is None else round(float(str(value)), 1)


def _rank(values: list[float], share: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)
