"""Admin: organizations — the list and a new one; one organization's page with its plan, domains,
chat features and contacts (its channel connections and requests post from the same page: see
`channels` and `requests`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import entitlements
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature, Plan, RequestStatus
from assistdesk.domain.people import service as people
from assistdesk.errors import Conflict, DomainError, Invalid
from assistdesk.web.pages.admin.notices import BASE, Notice, admin_page, back_to, checkbox, plan_refusal
from assistdesk.web.pages.admin.rows import request_rows
from assistdesk.web.pages.forms import errors_of, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix=BASE)

CONTACT_PAGE = 100


def _org_rows(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "id": o.id,
            "name": o.name,
            "plan": o.plan,
            "domains": [d.domain for d in o.domains],
            "features": {f.value: o.feature_state(f).value for f in Feature},
        }
        for o in orgs.list_orgs(session)
    ]


async def _orgs_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    rows = await runtime_of(request).db.read_async(_org_rows)
    return admin_page(
        request, "admin/orgs.html", viewer, status, rows=rows, plans=[p.value for p in Plan], **extra
    )


def _split_domains(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]


@router.get("/orgs")
async def orgs_page(request: Request) -> Response:
    return await _orgs_page(request, await staff(request, admin=True))


@router.post("/orgs")
async def create_org(request: Request) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    values = {name: field(form, name) for name in ("name", "plan", "domains")}

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.create_org(
            uow, name=values["name"], plan=values["plan"], domains=_split_domains(values["domains"])
        )
        return "org_created", {"org": org.name}

    async def failed(exc: DomainError) -> Response:
        return await _orgs_page(request, viewer, exc.status, errors=errors_of(exc, "name"), values=values)

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs"), failed=failed)


def _org_context(session: Session, org_id: int, contacts_after: str | None) -> dict[str, Any]:
    org = orgs.get_org_by_id(session, org_id)
    features = [
        {
            "feature": f.value,
            "state": org.feature_state(f).value,
            "allowed": f.allowed_on(org.plan_enum),
            "minimum_plan": f.minimum_plan.value,
            "mode": entitlements.chat_mode(org).value,
        }
        for f in Feature
    ]
    ordered = sorted(org.requests, key=lambda r: (r.status != RequestStatus.PENDING.value, -r.id))
    found = people.contacts_page(session, org=org, after_email=contacts_after, limit=CONTACT_PAGE + 1)
    contacts = [
        {"email": c.email, "name": c.name, "is_admin": c.is_admin, "created_at": c.created_at}
        for c in found[:CONTACT_PAGE]
    ]
    return {
        "org": {"id": org.id, "name": org.name, "plan": org.plan, "created_at": org.created_at},
        "domains": [d.domain for d in org.domains],
        "features": features,
        "requests": request_rows(ordered),
        "connections": [
            {
                "id": link.id,
                "platform": link.platform,
                "workspace": link.workspace,
                "channel": link.channel,
                "created_at": link.created_at,
            }
            for link in links.list_channel_links(session, organization_id=org.id)
        ],
        "contacts": contacts,
        "contacts_next": (
            f"{BASE}/orgs/{org.id}?{urlencode({'contacts_after': contacts[-1]['email']})}#contacts"
            if len(found) > CONTACT_PAGE
            else None
        ),
        "contacts_paged": bool(contacts_after),
        "plans": [p.value for p in Plan],
    }


async def org_page(
    request: Request,
    viewer: Staff,
    org_id: int,
    status: int = 200,
    *,
    contacts_after: str | None = None,
    **extra: Any,
) -> Response:
    """One organization's page; the forms that post from it come back here with their errors."""
    context = await runtime_of(request).db.read_async(
        lambda session: _org_context(session, org_id, contacts_after)
    )
    context.update(extra)
    return admin_page(request, "admin/org.html", viewer, status, **context)


async def plan_refusal_of(request: Request, feature: str, org_id: int) -> str:
    """`plan_refusal` for the organization's current plan."""
    plan = await runtime_of(request).db.read_async(lambda session: orgs.get_org_by_id(session, org_id).plan)
    return plan_refusal(translator(request), feature, plan)


@router.get("/orgs/{org_id}")
async def one_org_page(request: Request, org_id: int, contacts_after: str | None = None) -> Response:
    return await org_page(request, await staff(request, admin=True), org_id, contacts_after=contacts_after)


@router.post("/orgs/{org_id}/plan")
async def change_plan(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    plan = field(form, "plan")

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        orgs.set_plan(uow, org=org, plan=plan)
        return "plan_changed", {"org": org.name, "plan": org.plan}

    async def failed(exc: DomainError) -> Response:
        return await org_page(request, viewer, org_id, exc.status, errors={"plan": exc.message})

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs/{org_id}"), failed=failed)


@router.post("/orgs/{org_id}/domains")
async def add_domains(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    raw = field(form, "domains")
    _ = translator(request)

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        wanted = _split_domains(raw)
        if not wanted:
            raise Invalid(_("Enter one or more domains, such as example.com."), field="domains")
        orgs.add_domains(uow, org=org, domains=wanted)
        return "domains_added", {"org": org.name, "domains": ", ".join(wanted)}

    async def failed(exc: DomainError) -> Response:
        return await org_page(
            request, viewer, org_id, exc.status, errors={"domains": exc.message}, values={"domains": raw}
        )

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs/{org_id}"), failed=failed)


@router.post("/orgs/{org_id}/domains/remove")
async def remove_domain(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    domain = field(form, "domain")

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        orgs.remove_domain(uow, org=org, domain=domain)
        return "domain_removed", {"org": org.name, "domain": domain.strip().lower()}

    async def failed(exc: DomainError) -> Response:
        return await org_page(request, viewer, org_id, exc.status, errors={"domains": exc.message})

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs/{org_id}"), failed=failed)


@router.post("/orgs/{org_id}/features")
async def change_feature(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    feature, action = field(form, "feature").strip().lower(), field(form, "action")
    _ = translator(request)

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        if action == "enable":
            orgs.enable_feature(uow, org=org, feature=feature, by_email=viewer.email)
            return "feature_enabled", {"org": org.name, "feature": feature}
        if action == "disable":
            orgs.disable_feature(uow, org=org, feature=feature)
            return "feature_disabled", {"org": org.name, "feature": feature}
        raise Invalid(_("Choose enable or disable."), field="features")

    async def failed(exc: DomainError) -> Response:
        message = exc.message
        if isinstance(exc, Conflict) and exc.field == "plan":
            message = await plan_refusal_of(request, feature, org_id)
        return await org_page(request, viewer, org_id, exc.status, errors={"features": message})

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs/{org_id}"), failed=failed)


@router.post("/orgs/{org_id}/contacts")
async def add_contact(request: Request, org_id: int) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    email, name, admin = field(form, "email"), field(form, "name"), checkbox(form, "admin")
    values: dict[str, Any] = {"contact-email": email, "contact-name": name, "contact-admin": admin}

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        contact = people.add_contact(uow, email=email, org=org, name=name, admin=admin)
        return "contact_added", {"org": org.name, "email": contact.email}

    async def failed(exc: DomainError) -> Response:
        key = exc.field if exc.field in ("email", "name") else "email"
        return await org_page(
            request, viewer, org_id, exc.status, errors={f"contact-{key}": exc.message}, values=values
        )

    return await submit(request, work, done=back_to(request, f"{BASE}/orgs/{org_id}#contacts"), failed=failed)
