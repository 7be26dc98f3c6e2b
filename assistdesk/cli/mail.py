"""assistdesk mail check: tries the configured IMAP mailbox, SMTP listener and outgoing SMTP."""

from __future__ import annotations

from collections.abc import Callable

import typer

from assistdesk.cli.common import say
from assistdesk.settings import Settings

app = typer.Typer(
    help="Mail: the support mailbox, the SMTP listener and outgoing mail.", no_args_is_help=True
)


def _try(label: str, attempt: Callable[[], str]) -> bool:
    try:
        say(f"{label}: ok: {attempt()}")
    except Exception as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        say(f"{label}: FAILED: {type(exc).__name__}: {reason}")
        return False
    return True


@app.command("check")
def check() -> None:
    """Say what works: exit 1 when a configured part does not."""
    from assistdesk.platforms.mail import imap, listener, smtp  # only this command talks mail

    settings = Settings()
    say(f"support address: {settings.support_address}")
    results: list[bool] = []
    if settings.imap_url is not None:
        url = settings.imap_url.get_secret_value()
        results.append(_try("IMAP mailbox", lambda: imap.check(url)))
    else:
        say("IMAP mailbox: not configured (ASSISTDESK_IMAP_URL)")
    if settings.smtp_listen:
        listen = settings.smtp_listen
        results.append(_try("SMTP listener", lambda: listener.check(listen)))
    else:
        say("SMTP listener: not configured (ASSISTDESK_SMTP_LISTEN)")
    if settings.smtp_url is not None:
        smtp_url = settings.smtp_url.get_secret_value()
        results.append(_try("outgoing SMTP", lambda: smtp.check(smtp_url)))
    else:
        say("outgoing SMTP: not configured (ASSISTDESK_SMTP_URL): mail is written to the log")
    if not all(results):
        raise typer.Exit(1)
