"""assistdesk outbox list|retry"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assistdesk.cli.common import runtime, say, write
from assistdesk.db.types import utcnow
from assistdesk.outbox import admin
from assistdesk.outbox.models import JobStatus

app = typer.Typer(help="Inspect and replay deliveries to Slack, Lark and webhooks.", no_args_is_help=True)


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


@app.command("list")
def list_(
    failed: Annotated[bool, typer.Option("--failed", help="only dead letters (failed deliveries)")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="only deliveries still waiting")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List deliveries, newest first, with the reason of each failure."""
    status = JobStatus.FAILED if failed else JobStatus.PENDING if pending else None
    now = utcnow()
    with runtime() as rt, rt.db.reading() as session:
        jobs = admin.list_jobs(session, status=status, limit=limit)
        summary = admin.stats(session)
    if as_json:
        say(
            json.dumps(
                [
                    {
                        "id": j.id,
                        "status": j.status,
                        "destination": j.destination,
                        "kind": j.kind,
                        "attempts": j.attempts,
                        "failures": j.failures,
                        "created_at": j.created_at.isoformat(),
                        "last_error": j.last_error,
                    }
                    for j in jobs
                ],
                indent=2,
            )
        )
        return
    oldest = _age(summary.oldest_pending_age_seconds)
    say(f"{summary.pending} pending (oldest {oldest}), {summary.failed} failed")
    for job in jobs:
        reason = f"  {job.last_error}" if job.last_error else ""
        say(
            f"#{job.id:<7} {job.status:<9} {job.destination:<40} {job.kind:<24} "
            f"tries {job.attempts:<3} {_age((now - job.created_at).total_seconds()):>4} ago{reason}"
        )


@app.command("retry")
def retry(job_id: Annotated[int, typer.Argument(help="the id shown by `outbox list`")]) -> None:
    """Replay a failed delivery with a fresh error budget."""
    destination = write(lambda uow: admin.retry(uow, job_id=job_id).destination)
    say(f"job #{job_id} to {destination} queued again")
