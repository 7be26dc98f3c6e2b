"""assistdesk webhook add|list|remove"""

from __future__ import annotations

from typing import Annotated

import typer

from assistdesk.cli.common import note, runtime, say
from assistdesk.domain.webhooks import service as webhooks
from assistdesk.security.tokens import new_token
from assistdesk.urls import without_credentials

app = typer.Typer(help="Signed HTTP callbacks to your own systems on ticket events.", no_args_is_help=True)


@app.command("add")
def add(
    url: str,
    event: Annotated[list[str] | None, typer.Option("--event", help="only this event (repeatable)")] = None,
) -> None:
    """Subscribe a URL; prints the signing secret once."""
    secret = new_token().replace("adk_", "whsec_")
    with runtime() as rt:
        hook_id = rt.db.run(
            lambda uow: (
                webhooks.add_webhook(
                    uow, url=url, secret_ciphertext=rt.secrets.encrypt(secret), events=event or []
                ).id
            )
        )
    note(f"webhook #{hook_id} added; verify X-Assistdesk-Signature with this secret (shown only now):")
    say(secret)


@app.command("list")
def list_() -> None:
    """List webhook subscriptions."""
    with runtime() as rt, rt.db.reading() as session:
        for hook in webhooks.list_webhooks(session):
            events = ",".join(hook.events) or "all events"
            state = "" if hook.active else "  (inactive)"
            say(f"#{hook.id}  {without_credentials(hook.url)}  {events}{state}")


@app.command("remove")
def remove(webhook_id: int) -> None:
    """Remove a webhook subscription."""
    with runtime() as rt:
        rt.db.run(lambda uow: webhooks.remove_webhook(uow, webhook_id=webhook_id))
    say(f"webhook #{webhook_id} removed")
