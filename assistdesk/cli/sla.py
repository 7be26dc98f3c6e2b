"""assistdesk sla …: the response-time targets and their attainment report (INTERFACE.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer

from assistdesk.cli.common import runtime, say, write
from assistdesk.db.types import utcnow
from assistdesk.domain.sla.report import sla_report
from assistdesk.domain.sla.targets import TargetRow, format_duration, list_targets, set_target
from assistdesk.errors import Invalid

app = typer.Typer(help="Response-time targets per plan and severity, and their report.", no_args_is_help=True)


def _json(row: TargetRow) -> dict[str, object]:
    return {
        "plan": row.plan.value,
        "severity": row.severity.value,
        "first_response": row.target.seconds if row.target else None,
        "business_hours": row.target.business_hours if row.target else False,
    }


def _text(row: TargetRow) -> str:
    if row.target is None:
        what = "none"
    else:
        kind = "business hours" if row.target.business_hours else "calendar hours"
        what = f"{format_duration(row.target.seconds, business_hours=row.target.business_hours)} ({kind})"
    return f"{row.plan.value:<10}  {row.severity.value}  {what}{'  (overridden)' if row.overridden else ''}"


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """The first-response target of every plan and severity."""
    with runtime() as rt, rt.db.reading() as session:
        rows = list_targets(session)
    if as_json:
        say(json.dumps([_json(r) for r in rows], indent=2))
        return
    for row in rows:
        say(_text(row))


@app.command("set", context_settings={"ignore_unknown_options": True})
def set_(
    plan: Annotated[str, typer.Argument(help="developer, enterprise, premium (or basic)")],
    severity: Annotated[str, typer.Argument(help="S1 … S4")],
    duration: Annotated[str, typer.Argument(help="30s, 45m, 4h, 2d (= 48 h), or none")],
    business_hours: Annotated[
        bool,
        typer.Option(
            "--business-hours/--calendar-hours",
            help="count only the organization's business hours (default: around the clock)",
        ),
    ] = False,
) -> None:
    """Override one target; `none` removes it."""
    row = write(
        lambda uow: set_target(
            uow.session, plan=plan, severity=severity, duration=duration, business_hours=business_hours
        )
    )
    say(f"set {_text(row)}")


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(f"unreadable date {raw!r} (write YYYY-MM-DD)", field="since") from None


@app.command("report")
def report(
    since: Annotated[str | None, typer.Option("--since", help="created from YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Per plan and severity: tickets, met, breached, attainment %, median and p90 first response."""
    start = _since(since)
    with runtime() as rt, rt.db.reading() as session:
        rows = sla_report(session, since=start, now=utcnow())
    if as_json:
        say(json.dumps([asdict(r) for r in rows], indent=2))
        return
    if not rows:
        say("no tickets with a response-time target" + (f" since {since}" if since else ""))
        return
    say("plan        sev  tickets    met  breached  attainment  median    p90")
    for r in rows:
        attainment = "-" if r.attainment is None else f"{r.attainment:.1f}%"
        say(
            f"{r.plan:<10}  {r.severity:<3}  {r.tickets:>7}  {r.met:>5}  {r.breached:>8}  {attainment:>10}"
            f"  {_human(r.median_seconds):>6}  {_human(r.p90_seconds):>6}"
        )


def _human(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
