"""The admin pages (agents with the admin role): organizations with their plan, domains, chat
features, enablement requests, channel and group connections and contacts; agents; API tokens;
deliveries.

Every handler starts with `staff(request, admin=True)`. Every change is a POST whose CSRF-checked
form runs one domain operation in one transaction: bad input re-renders the page with the message
next to its field and the error's status (422, 409, 404), having changed nothing; success redirects
back (303) with a one-time notice. The one exception is a new API token: the response to its POST
shows it, once; nothing stores it, so nothing can show it again.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from babel.dates import format_timedelta
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import entitlements
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature, Plan, RequestStatus
from assistdesk.domain.orgs.models import FeatureRequest
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import ApiToken
from assistdesk.errors import Conflict, DomainError, Invalid, NotFound
from assistdesk.i18n import Translator, words
from assistdesk.i18n.words import N_
from assistdesk.outbox import admin as outbox
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.forms import errors_of
from assistdesk.web.pages.guard import (
    checked_form,
    field,
    locale_of,
    runtime_of,
    secure_cookies,
    set_cookie,
    translator,
)
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix="/agent/admin")

BASE = "/agent/admin"
FLASH_COOKIE = "adk_admin_flash"
CONTACT_PAGE = 100
DELIVERY_PAGE = 50
RECENT_DECISIONS = 50
DELIVERY_FILTERS = ("failed", "pending", "both")

# What a successful POST says on the page it returns to. The cookie carries a key of this table and
# its parameters (signed), never text: the words are this process's, in the reader's language.
NOTICES = {
    "org_created": N_("Created {org}."),
    "plan_changed": N_("{org} is now on the {plan} plan."),
    "domains_added": N_("Added {domains} to {org}."),
    "domain_removed": N_("Removed {domain} from {org}."),
    "feature_enabled": N_("{feature} is enabled for {org}."),
    "feature_disabled": N_("{feature} is disabled for {org}."),
    "request_approved": N_("Approved: {feature} is enabled for {org}."),
    "request_denied": N_("Denied the {feature} request of {org}."),
    "connected": N_("Connected {channel} to {org}."),
    "reconnected": N_("{channel} was already connected to {org}."),
    "moved": N_("Moved {channel} from {previous} to {org}."),
    "disconnected": N_("Disconnected {channel}."),
    "contact_added": N_("Added {email} to {org}."),
    "agent_added": N_("Added {email}."),
    "token_revoked": N_("Revoked the token {prefix}…"),
    "delivery_retried": N_("Delivery #{id} is queued again."),
}

Notice = tuple[str, dict[str, str]]


# Notices after a redirect ------------------------------------------------------------------------


def _signature(request: Request, payload: str) -> str:
    return runtime_of(request).secrets.sign(payload.encode(), "admin-notice")


def _keep_notice(request: Request, response: Response, notice: Notice) -> None:
    payload = base64.urlsafe_b64encode(json.dumps(notice, separators=(",", ":")).encode()).decode()
    set_cookie(
        request, response, FLASH_COOKIE, f"{payload}.{_signature(request, payload)}", path=BASE, max_age=60
    )


def _notices(request: Request, _: Translator) -> list[str]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _dot, signature = raw.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(request, payload)):
        return []
    try:
        key, params = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError, TypeError):
        return []
    if not isinstance(key, str) or key not in NOTICES or not isinstance(params, dict):
        return []
    shown = {name: str(value) for name, value in params.items()}
    if "plan" in shown:
        shown["plan"] = words.plan(_, shown["plan"])
    if "feature" in shown:
        shown["feature"] = words.source(_, shown["feature"])
    try:
        return [_(NOTICES[key], **shown)]
    except (KeyError, IndexError):
        return []


def _page(request: Request, template: str, viewer: Staff, status: int = 200, **context: Any) -> Response:
    _ = translator(request)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    response = page(request, template, viewer, status, flashes=_notices(request, _), **context)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(
            FLASH_COOKIE, path=BASE, secure=secure_cookies(request), httponly=True, samesite="lax"
        )
    return response


# Running a change --------------------------------------------------------------------------------


async def _submit(
    request: Request,
    work: Callable[[UnitOfWork], Notice],
    *,
    done: str,
    failed: Callable[[DomainError], Response],
) -> Response:
    """Run `work` in one transaction; redirect to `done` with its notice, or answer `failed(error)`.

    A missing thing named by the address (no field) is the 404 page; a refused field is the form."""
    runtime = runtime_of(request)
    try:
        notice = await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.field is None:
            raise
        error = exc
        return await anyio.to_thread.run_sync(lambda: failed(error))
    response = RedirectResponse(done, status_code=303)
    _keep_notice(request, response, notice)
    return response


def _checkbox(form: Any, name: str) -> bool:
    return field(form, name) in ("1", "on", "true", "yes")


def _plan_refusal(_: Translator, feature: str, current_plan: str) -> str:
    chosen = Feature(feature)
    return _(
        "{feature} needs the {plan} plan or above; this organization is on the {current} plan.",
        feature=words.source(_, chosen.value),
        plan=words.plan(_, chosen.minimum_plan.value),
        current=words.plan(_, current_plan),
    )


# What the templates read -------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    id: int
    organization_id: int
    organization: str
    feature: str
    status: str
    requested_by: str
    note: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str

    @property
    def pending(self) -> bool:
        return self.status == RequestStatus.PENDING.value


def _request_rows(requests: Sequence[FeatureRequest]) -> list[RequestRow]:
    return [
        RequestRow(
            id=r.id,
            organization_id=r.organization_id,
            organization=r.organization.name,
            feature=r.feature,
            status=r.status,
            requested_by=r.requested_by_email or "",
            note=r.note,
            created_at=r.created_at,
            decided_by=r.decided_by_email or "",
            decided_at=r.decided_at,
            decision_note=r.decision_note,
        )
        for r in requests
    ]


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    status: str
    destination: str
    kind: str
    attempts: int
    failures: int
    last_error: str
    created_at: datetime
    available_at: datetime
    delivered_at: datetime | None


def _delivery_rows(jobs: Sequence[OutboxJob]) -> list[DeliveryRow]:
    return [
        DeliveryRow(
            id=j.id,
            status=j.status,
            destination=j.destination,
            kind=j.kind,
            attempts=j.attempts,
            failures=j.failures,
            last_error=j.last_error or "",
            created_at=j.created_at,
            available_at=j.available_at,
            delivered_at=j.delivered_at,
        )
        for j in jobs
    ]


@dataclass(frozen=True)
class TokenRow:
    id: int
    prefix: str
    name: str
    agent: str
    agent_email: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _token_rows(tokens: Sequence[ApiToken]) -> list[TokenRow]:
    return [
        TokenRow(
            id=t.id,
            prefix=t.prefix,
            name=t.name,
            agent=t.agent.display_name,
            agent_email=t.agent.email,
            scope=t.scope,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            revoked_at=t.revoked_at,
        )
        for t in tokens
    ]


# Overview ----------------------------------------------------------------------------------------


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def overview(request: Request) -> Response:
    viewer = staff(request, admin=True)
    with runtime_of(request).db.reading() as session:
        counts = {
            "orgs": orgs.count_orgs(session),
            "pending_requests": len(orgs.pending_requests(session)),
            "agents": len(people.list_agents(session)),
            "tokens": sum(1 for t in people.list_tokens(session) if t.revoked_at is None),
        }
        deliveries = outbox.stats(session)
    return _page(
        request,
        "admin/index.html",
        viewer,
        counts=counts,
        failed_deliveries=deliveries.failed,
        pending_deliveries=deliveries.pending,
    )


# Organizations -----------------------------------------------------------------------------------


def _orgs_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    with runtime_of(request).db.reading() as session:
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "plan": o.plan,
                "domains": [d.domain for d in o.domains],
                "features": {f.value: o.feature_state(f).value for f in Feature},
            }
            for o in orgs.list_orgs(session)
        ]
    return _page(
        request, "admin/orgs.html", viewer, status, rows=rows, plans=[p.value for p in Plan], **extra
    )


def _split_domains(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]


@router.get("/orgs")
def orgs_page(request: Request) -> Response:
    return _orgs_page(request, staff(request, admin=True))


@router.post("/orgs")
async def create_org(request: Request) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    values = {name: field(form, name) for name in ("name", "plan", "domains")}

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.create_org(
            uow, name=values["name"], plan=values["plan"], domains=_split_domains(values["domains"])
        )
        return "org_created", {"org": org.name}

    return await _submit(
        request,
        work,
        done=f"{BASE}/orgs",
        failed=lambda exc: _orgs_page(
            request, viewer, exc.status, errors=errors_of(exc, "name"), values=values
        ),
    )


def _org_page(
    request: Request,
    viewer: Staff,
    org_id: int,
    status: int = 200,
    *,
    contacts_after: str | None = None,
    **extra: Any,
) -> Response:
    with runtime_of(request).db.reading() as session:
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
        context: dict[str, Any] = {
            "org": {"id": org.id, "name": org.name, "plan": org.plan, "created_at": org.created_at},
            "domains": [d.domain for d in org.domains],
            "features": features,
            "requests": _request_rows(ordered),
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
    context.update(extra)
    return _page(request, "admin/org.html", viewer, status, **context)


@router.get("/orgs/{org_id}")
def org_page(request: Request, org_id: int, contacts_after: str | None = None) -> Response:
    return _org_page(request, staff(request, admin=True), org_id, contacts_after=contacts_after)


@router.post("/orgs/{org_id}/plan")
async def change_plan(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    plan = field(form, "plan")

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        orgs.set_plan(uow, org=org, plan=plan)
        return "plan_changed", {"org": org.name, "plan": org.plan}

    return await _submit(
        request,
        work,
        done=f"{BASE}/orgs/{org_id}",
        failed=lambda exc: _org_page(request, viewer, org_id, exc.status, errors={"plan": exc.message}),
    )


@router.post("/orgs/{org_id}/domains")
async def add_domains(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
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

    return await _submit(
        request,
        work,
        done=f"{BASE}/orgs/{org_id}",
        failed=lambda exc: _org_page(
            request, viewer, org_id, exc.status, errors={"domains": exc.message}, values={"domains": raw}
        ),
    )


@router.post("/orgs/{org_id}/domains/remove")
async def remove_domain(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    domain = field(form, "domain")

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        orgs.remove_domain(uow, org=org, domain=domain)
        return "domain_removed", {"org": org.name, "domain": domain.strip().lower()}

    return await _submit(
        request,
        work,
        done=f"{BASE}/orgs/{org_id}",
        failed=lambda exc: _org_page(request, viewer, org_id, exc.status, errors={"domains": exc.message}),
    )


@router.post("/orgs/{org_id}/features")
async def change_feature(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
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

    def failed(exc: DomainError) -> Response:
        message = exc.message
        if isinstance(exc, Conflict) and exc.field == "plan":
            with runtime_of(request).db.reading() as session:
                message = _plan_refusal(_, feature, orgs.get_org_by_id(session, org_id).plan)
        return _org_page(request, viewer, org_id, exc.status, errors={"features": message})

    return await _submit(request, work, done=f"{BASE}/orgs/{org_id}", failed=failed)


@router.post("/orgs/{org_id}/connections")
async def connect(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
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

    def failed(exc: DomainError) -> Response:
        name = exc.field if exc.field in ("platform", "workspace", "channel") else "channel"
        return _org_page(
            request, viewer, org_id, exc.status, errors={f"link-{name}": exc.message}, values=values
        )

    return await _submit(request, work, done=f"{BASE}/orgs/{org_id}#connections", failed=failed)


@router.post("/orgs/{org_id}/connections/{link_id}/disconnect")
async def disconnect(request: Request, org_id: int, link_id: int) -> Response:
    viewer = staff(request, admin=True)
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

    return await _submit(
        request,
        work,
        done=f"{BASE}/orgs/{org_id}#connections",
        failed=lambda exc: _org_page(
            request, viewer, org_id, exc.status, errors={"link-channel": exc.message}
        ),
    )


@router.post("/orgs/{org_id}/contacts")
async def add_contact(request: Request, org_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    email, name, admin = field(form, "email"), field(form, "name"), _checkbox(form, "admin")
    values: dict[str, Any] = {"contact-email": email, "contact-name": name, "contact-admin": admin}

    def work(uow: UnitOfWork) -> Notice:
        org = orgs.get_org_by_id(uow.session, org_id)
        contact = people.add_contact(uow, email=email, org=org, name=name, admin=admin)
        return "contact_added", {"org": org.name, "email": contact.email}

    def failed(exc: DomainError) -> Response:
        key = exc.field if exc.field in ("email", "name") else "email"
        return _org_page(
            request, viewer, org_id, exc.status, errors={f"contact-{key}": exc.message}, values=values
        )

    return await _submit(request, work, done=f"{BASE}/orgs/{org_id}#contacts", failed=failed)


# Enablement requests -----------------------------------------------------------------------------


def _requests_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    with runtime_of(request).db.reading() as session:
        pending = _request_rows(orgs.pending_requests(session))
        decided = _request_rows(orgs.decided_requests(session, limit=RECENT_DECISIONS))
    return _page(request, "admin/requests.html", viewer, status, pending=pending, decided=decided, **extra)


@router.get("/requests")
def requests_page(request: Request) -> Response:
    return _requests_page(request, staff(request, admin=True))


@router.post("/requests/{request_id}")
async def decide(request: Request, request_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    decision, note, back = field(form, "decision"), field(form, "note"), field(form, "back")
    _ = translator(request)
    runtime = runtime_of(request)

    def asked() -> tuple[int, str]:
        with runtime.db.reading() as session:
            found = orgs.get_request(session, request_id)
            return found.organization_id, found.feature

    org_id, feature = await anyio.to_thread.run_sync(asked)
    done = f"{BASE}/orgs/{org_id}" if back == "org" else f"{BASE}/requests"

    def work(uow: UnitOfWork) -> Notice:
        if decision not in ("approve", "deny"):
            raise Invalid(_("Choose approve or deny."), field="decision")
        decided = orgs.decide_request(
            uow, request_id=request_id, approve=decision == "approve", by_email=viewer.email, note=note
        )
        if decision == "approve" and note.strip():
            orgs.annotate_decision(uow, request=decided, note=note)
        key = "request_approved" if decision == "approve" else "request_denied"
        return key, {"org": decided.organization.name, "feature": decided.feature}

    def failed(exc: DomainError) -> Response:
        message = exc.message
        if isinstance(exc, Conflict) and exc.field == "plan":
            with runtime.db.reading() as session:
                message = _plan_refusal(_, feature, orgs.get_org_by_id(session, org_id).plan)
        errors = {f"request-{request_id}": message}
        values = {f"note-{request_id}": note}
        if back == "org":
            return _org_page(request, viewer, org_id, exc.status, errors=errors, values=values)
        return _requests_page(request, viewer, exc.status, errors=errors, values=values)

    return await _submit(request, work, done=done, failed=failed)


# Agents ------------------------------------------------------------------------------------------


def _agents_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    with runtime_of(request).db.reading() as session:
        rows = [
            {
                "email": a.email,
                "name": a.name,
                "is_admin": a.is_admin,
                "active": a.active,
                "can_sign_in": a.password_hash is not None,
                "created_at": a.created_at,
            }
            for a in people.list_agents(session)
        ]
    return _page(request, "admin/agents.html", viewer, status, rows=rows, **extra)


@router.get("/agents")
def agents_page(request: Request) -> Response:
    return _agents_page(request, staff(request, admin=True))


@router.post("/agents")
async def add_agent(request: Request) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    email, name, password = field(form, "email"), field(form, "name"), field(form, "password")
    admin = _checkbox(form, "admin")
    values: dict[str, Any] = {"email": email, "name": name, "admin": admin}

    def work(uow: UnitOfWork) -> Notice:
        agent = people.add_agent(uow, email=email, name=name, admin=admin, password=password)
        return "agent_added", {"email": agent.email}

    return await _submit(
        request,
        work,
        done=f"{BASE}/agents",
        failed=lambda exc: _agents_page(
            request, viewer, exc.status, errors=errors_of(exc, "email"), values=values
        ),
    )


# API tokens --------------------------------------------------------------------------------------


def _tokens_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    with runtime_of(request).db.reading() as session:
        rows = _token_rows(people.list_tokens(session))
        agents = [(a.email, a.display_name, a.is_admin) for a in people.list_agents(session) if a.active]
    extra.setdefault("created", None)
    return _page(request, "admin/tokens.html", viewer, status, rows=rows, agents=agents, **extra)


@router.get("/tokens")
def tokens_page(request: Request) -> Response:
    return _tokens_page(request, staff(request, admin=True))


@router.post("/tokens")
async def create_token(request: Request) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    email, scope, name = field(form, "agent_email"), field(form, "scope"), field(form, "name")
    values = {"agent_email": email, "scope": scope, "name": name}
    runtime = runtime_of(request)
    _ = translator(request)

    def work(uow: UnitOfWork) -> dict[str, str]:
        if scope not in ("agent", "admin"):
            raise Invalid(_("Choose the agent or admin scope."), field="scope")
        agent = people.get_agent(uow.session, email)
        secret, record = people.create_token(uow, agent=agent, scope=scope, name=name)
        return {"secret": secret, "prefix": record.prefix, "agent": agent.email, "scope": record.scope}

    try:
        created = await anyio.to_thread.run_sync(lambda: runtime.db.run(work))
    except DomainError as exc:
        error = exc
        key = error.field if error.field in ("agent_email", "scope", "name") else "scope"
        return await anyio.to_thread.run_sync(
            lambda: _tokens_page(request, viewer, error.status, errors={key: error.message}, values=values)
        )
    # Shown in this response only: the database keeps a digest, and no notice cookie carries it.
    return await anyio.to_thread.run_sync(lambda: _tokens_page(request, viewer, 201, created=created))


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    viewer = staff(request, admin=True)
    await checked_form(request)

    def work(uow: UnitOfWork) -> Notice:
        people.revoke_token(uow, token_id=token_id)
        record = uow.session.get(ApiToken, token_id)
        return "token_revoked", {"prefix": record.prefix if record is not None else ""}

    return await _submit(
        request,
        work,
        done=f"{BASE}/tokens",
        failed=lambda exc: _tokens_page(request, viewer, exc.status, errors={"form": exc.message}),
    )


# Deliveries --------------------------------------------------------------------------------------


def _jobs(session: Session, show: str, before: int | None) -> list[OutboxJob]:
    limit = DELIVERY_PAGE + 1
    if show == "both":
        merged = [
            *outbox.list_jobs(session, status=JobStatus.FAILED, limit=limit, before_id=before),
            *outbox.list_jobs(session, status=JobStatus.PENDING, limit=limit, before_id=before),
        ]
        return sorted(merged, key=lambda j: j.id, reverse=True)[:limit]
    chosen = JobStatus.PENDING if show == "pending" else JobStatus.FAILED
    return list(outbox.list_jobs(session, status=chosen, limit=limit, before_id=before))


def _deliveries_page(
    request: Request, viewer: Staff, show: str, before: int | None = None, status: int = 200, **extra: Any
) -> Response:
    with runtime_of(request).db.reading() as session:
        found = _jobs(session, show, before)
        summary = outbox.stats(session)
    rows = _delivery_rows(found[:DELIVERY_PAGE])
    next_url = (
        f"{BASE}/deliveries?{urlencode({'show': show, 'before': rows[-1].id})}"
        if len(found) > DELIVERY_PAGE
        else None
    )
    return _page(
        request,
        "admin/deliveries.html",
        viewer,
        status,
        show=show,
        rows=rows,
        summary=summary,
        oldest=format_timedelta(
            timedelta(seconds=summary.oldest_pending_age_seconds), locale=locale_of(request)
        ),
        next_url=next_url,
        first_url=f"{BASE}/deliveries?{urlencode({'show': show})}",
        **extra,
    )


@router.get("/deliveries")
def deliveries_page(request: Request, show: str = "failed", before: int | None = None) -> Response:
    viewer = staff(request, admin=True)
    return _deliveries_page(request, viewer, show if show in DELIVERY_FILTERS else "failed", before)


@router.post("/deliveries/{job_id}/retry")
async def retry_delivery(request: Request, job_id: int) -> Response:
    viewer = staff(request, admin=True)
    form = await checked_form(request)
    show = field(form, "show")
    show = show if show in DELIVERY_FILTERS else "failed"

    def work(uow: UnitOfWork) -> Notice:
        outbox.retry(uow, job_id=job_id)
        return "delivery_retried", {"id": str(job_id)}

    return await _submit(
        request,
        work,
        done=f"{BASE}/deliveries?{urlencode({'show': show})}",
        failed=lambda exc: _deliveries_page(
            request, viewer, show, status=exc.status, errors={"form": exc.message}
        ),
    )
