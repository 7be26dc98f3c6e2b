"""Entry point of the `assistdesk` command: wires the sub-commands and turns every failure into one
line on stderr and a non-zero exit status."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from assistdesk.cli import channels, mail, orgs, outbox, people, serve, slack, webhooks
from assistdesk.cli import sla as sla_cli
from assistdesk.cli.common import configure_logging
from assistdesk.errors import DomainError
from assistdesk.security.secretbox import UnreadableSecret
from assistdesk.settings import MissingSecretKey

app = typer.Typer(
    name="assistdesk",
    help="A self-hostable support desk whose customers open and follow tickets from Slack and Lark.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.add_typer(serve.db_app, name="db")
app.add_typer(orgs.app, name="org")
app.add_typer(people.contact_app, name="contact")
app.add_typer(people.agent_app, name="agent")
app.add_typer(people.token_app, name="token")
app.add_typer(channels.app, name="connect")
app.add_typer(outbox.app, name="outbox")
app.add_typer(webhooks.app, name="webhook")
app.add_typer(slack.app, name="slack")
app.add_typer(sla_cli.app, name="sla")
app.add_typer(mail.app, name="mail")

EXIT_ERROR = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    first_line = " ".join(message.strip().splitlines()) or "failed"
    print(f"assistdesk: error: {first_line}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None) -> int:
    configure_logging("WARNING")
    try:
        result = app(args=argv, prog_name="assistdesk", standalone_mode=False)
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except typer.Abort:
        return _fail("aborted", 130)
    except typer.TyperException as exc:  # usage errors: missing or malformed arguments
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        return _fail(message, int(getattr(exc, "exit_code", EXIT_USAGE) or EXIT_USAGE))
    except DomainError as exc:
        return _fail(exc.message)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0].get("loc", ())) if errors else ""
        return _fail(f"configuration: {where}: {errors[0]['msg'] if errors else exc}")
    except (MissingSecretKey, UnreadableSecret) as exc:
        return _fail(str(exc))
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        return _fail(f"cannot reach the database: {type(exc.orig).__name__}: {reason}")
    except KeyboardInterrupt:
        return 130
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
