"""assistdesk contact add · agent add · token create"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assistdesk.cli.common import note, say, write
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.errors import Invalid

contact_app = typer.Typer(help="Customer contacts.", no_args_is_help=True)
agent_app = typer.Typer(help="Support engineers.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


@contact_app.command("add")
def add_contact(
    email: str,
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    name: Annotated[str, typer.Option("--name")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="may see all of the organization's tickets")] = False,
) -> None:
    """Add a customer person to an organization."""

    def add(uow):  # type: ignore[no-untyped-def]
        organization = orgs.get_org(uow.session, org)
        contact = people.add_contact(uow, email=email, org=organization, name=name, admin=admin)
        return contact.email, organization.name

    address, org_name = write(add)
    say(f"added {address} to {org_name}" + (" as an admin" if admin else ""))


@agent_app.command("add")
def add_agent(
    email: str,
    name: Annotated[str, typer.Option("--name")],
    admin: Annotated[
        bool, typer.Option("--admin", help="also manages organizations and integrations")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read a console password from stdin")
    ] = False,
) -> None:
    """Add a support engineer."""
    password: str | None = None
    if password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        if not password:
            raise Invalid("--password-stdin read an empty password", field="password")
    address = write(
        lambda uow: people.add_agent(uow, email=email, name=name, admin=admin, password=password).email
    )
    say(f"added agent {address}" + (" (admin)" if admin else ""))


@token_app.command("create")
def create_token(
    agent: Annotated[str, typer.Option("--agent", help="the agent's email")],
    scope: Annotated[
        str | None, typer.Option("--scope", help="agent or admin (default: the agent's role)")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="a label to recognise it later")] = "",
) -> None:
    """Create an API token. It is printed once, alone on the last line."""
    if scope is not None and scope not in ("agent", "admin"):
        raise Invalid(f"unknown scope {scope!r} (choose agent or admin)", field="scope")

    def create(uow):  # type: ignore[no-untyped-def]
        record_agent = people.get_agent(uow.session, agent)
        secret, record = people.create_token(uow, agent=record_agent, scope=scope, name=name)
        return secret, record.scope, record_agent.email

    secret, granted, address = write(create)
    note(f"{granted}-scoped token for {address}; it is shown only now:")
    say(secret)
