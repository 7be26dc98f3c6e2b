"""assistdesk connect slack|lark"""

from __future__ import annotations

from typing import Annotated

import typer

from assistdesk.cli.common import say, write
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs

app = typer.Typer(help="Link chat channels to organizations.", no_args_is_help=True)


def _connect(platform: str, org: str, workspace: str, channel: str) -> tuple[str, bool]:
    def connect(uow):  # type: ignore[no-untyped-def]
        organization = orgs.get_org(uow.session, org)
        _, created = links.connect_channel(
            uow, platform=platform, workspace=workspace, channel=channel, org=organization
        )
        return organization.name, created

    result: tuple[str, bool] = write(connect)
    return result


@app.command("slack")
def slack(
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    team: Annotated[str, typer.Option("--team", help="the Slack workspace id (T…)")],
    channel: Annotated[str, typer.Option("--channel", help="the channel id (C…)")],
) -> None:
    """Link a Slack channel to an organization."""
    name, created = _connect("slack", org, team, channel)
    say(f"{'connected' if created else 'moved'} Slack channel {channel} (team {team}) to {name}")


@app.command("lark")
def lark(
    org: Annotated[str, typer.Option("--org", help="the organization's name")],
    chat: Annotated[str, typer.Option("--chat", help="the group's chat id (oc_…)")],
    tenant: Annotated[str, typer.Option("--tenant", help="the tenant key, for apps in several tenants")] = "",
) -> None:
    """Link a Lark group to an organization."""
    name, created = _connect("lark", org, tenant, chat)
    say(f"{'connected' if created else 'moved'} Lark group {chat} to {name}")
