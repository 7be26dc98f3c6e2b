"""Admin: an organization's channel and group connections (Slack channels, Lark groups) — connect,
move from another organization, disconnect. Both post from the organization's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs
from assistdesk.errors import DomainError, Invalid, NotFound
from assistdesk.i18n import words
from assistdesk.web.pages.admin.notices import BASE, Notice, back_to
from assistdesk.web.pages.admin.orgs import org_page
from assistdesk.web.pages.forms import submit
from assistdesk.web.pages.guard import checked_form, field, translator
from assistdesk.web.pages.viewers import staff

router = APIRouter(prefix=BASE)


@router.post("/orgs/{org_id}/connections")
async def connect(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    platform, workspace, channel = (
        field(form, name).strip() for name in ("platform", "workspace", "channel")
    )
    values = {"link-platform": platform, "link-workspace": workspace, "link-channel": channel}
    _ = translator(request)

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        chosen = links.parse_platform(platform)
        if chosen.value == "slack" and not workspace:
            raise Invalid(_("A Slack channel needs its workspace (team) id, T…"), field="workspace")
        before = links.find_exact_channel_link(
            uow.session, platform=chosen.value, workspace=workspace, channel=channel
        )
        previous = before.organization.name if before is not None else None
        previous_id = before.organization_id if before is not None else None
        link, created = links.connect_channel(
            uow, platform=chosen.value, workspace=workspace, channel=channel, org=org
        )
        shown = f"{words.source(_, link.platform)} {link.channel}"
        if created:
            return "connected", {"org": org.name, "channel": shown}
        if previous_id == org.id:
            return "reconnected", {"org": org.name, "channel": shown}
        return "moved", {"org": org.name, "channel": shown, "previous": previous or ""}

    async def failed(exc: DomainError) -> Response:
        name = exc.field if exc.field in ("platform", "workspace", "channel") else "channel"
        return await org_page(
            request, viewer, org_id, exc.status, errors={f"link-{name}": exc.message}, values=values
        )

    done = back_to(request, f"{BASE}/orgs/{org_id}#connections")
    return await submit(request, work, done=done, failed=failed)


@router.post("/orgs/{org_id}/connections/{link_id}/disconnect")
async def disconnect(request: Request, org_id: int, link_id: int) -> Response:
    viewer = await staff(request, admin=True)
    await checked_form(request)
    _ = translator(request)

    def work(uow: UnitOfWork) -> Notice:
        mine = links.list_channel_links(uow.session, organization_id=org_id)
        found = [link for link in mine if link.id == link_id]
        if not found:
            raise NotFound(f"no channel connection #{link_id} for organization #{org_id}")
        shown = f"{words.source(_, found[0].platform)} {found[0].channel}"
        links.disconnect_channel(uow, link_id=link_id)
        return "disconnected", {"channel": shown}

    async def failed(exc: DomainError) -> Response:
        return await org_page(request, viewer, org_id, exc.status, errors={"link-channel": exc.message})

    done = back_to(request, f"{BASE}/orgs/{org_id}#connections")
    return await submit(request, work, done=done, failed=failed)
