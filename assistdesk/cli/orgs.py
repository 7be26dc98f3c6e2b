"""assistdesk org …"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from assistdesk.cli.common import runtime, say, write
from assistdesk.domain.orgs import service as orgs

if TYPE_CHECKING:
    from assistdesk.bridge.representations import OrganizationOut
    from assistdesk.domain.orgs.models import Organization


def _out(org: Organization) -> OrganizationOut:
    """The organization as the API shows it; imported here, as the other commands never need it."""
    from assistdesk.bridge.representations import organization_out

    return organization_out(org)


app = typer.Typer(help="Customer organizations, plans and chat features.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="the organization's name")],
    plan: Annotated[str, typer.Option("--plan", help="basic, developer, enterprise or premium")],
    domain: Annotated[list[str] | None, typer.Option("--domain", help="an email domain (repeatable)")] = None,
    timezone: Annotated[str, typer.Option("--timezone", help="e.g. Asia/Tokyo")] = "UTC",
    holidays: Annotated[
        str | None, typer.Option("--holidays", help="country whose public holidays are skipped, e.g. JP")
    ] = None,
) -> None:
    """Create a customer organization."""
    out = write(
        lambda uow: _out(
            orgs.create_org(
                uow, name=name, plan=plan, domains=domain or [], timezone=timezone, holidays=holidays
            )
        )
    )
    say(f"created {out.name} ({out.plan})" + (f", domains {', '.join(out.domains)}" if out.domains else ""))


@app.command("set-plan")
def set_plan(name: str, plan: str) -> None:
    """Change an organization's support plan (chat features below the new plan are suspended)."""

    def change(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        orgs.set_plan(uow, org=org, plan=plan)
        return _out(org)

    out = write(change)
    states = ", ".join(f"{k} {v}" for k, v in out.features.items())
    say(f"{out.name} is on the {out.plan} plan ({states})")


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False) -> None:
    """List organizations with their plan, domains and chat features."""
    with runtime() as rt, rt.db.reading() as session:
        items = [_out(o) for o in orgs.list_orgs(session)]
    if as_json:
        say(json.dumps([i.model_dump() for i in items], indent=2))
        return
    if not items:
        say("no organizations yet: assistdesk org create NAME --plan premium")
        return
    width = max(len(i.name) for i in items)
    for item in items:
        features = " ".join(f"{k}:{v}" for k, v in item.features.items())
        domains = ",".join(item.domains) or "-"
        say(f"{item.name:<{width}}  {item.plan:<10}  {features}  {domains}")


@app.command("enable")
def enable(name: str, feature: Annotated[str, typer.Argument(help="slack or lark")]) -> None:
    """Grant an on-request chat feature (refused when the plan does not allow it)."""

    def grant(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        orgs.enable_feature(uow, org=org, feature=feature)
        return _out(org)

    out = write(grant)
    say(f"{feature.lower()} enabled for {out.name}")


@app.command("disable")
def disable(name: str, feature: Annotated[str, typer.Argument(help="slack or lark")]) -> None:
    """Withdraw a chat feature."""

    def withdraw(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        orgs.disable_feature(uow, org=org, feature=feature)
        return _out(org)

    out = write(withdraw)
    say(f"{feature.lower()} disabled for {out.name}")


@app.command("set-timezone")
def set_timezone(
    name: str,
    timezone: Annotated[str, typer.Argument(help="an IANA zone, e.g. Asia/Tokyo")],
    holidays: Annotated[
        str | None, typer.Option("--holidays", help="country whose public holidays are skipped, e.g. JP")
    ] = None,
) -> None:
    """Set the organization's business hours: 09:00-18:00 Monday-Friday in this zone."""

    def change(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        orgs.set_timezone(uow, org=org, timezone=timezone, holidays=holidays)
        return _out(org)

    out = write(change)
    say(
        f"{out.name} works in {out.timezone}"
        + (f", skipping {out.holidays} holidays" if out.holidays else "")
    )
