"""Admin resources of /api/v1: organizations, contacts, channels, agents, webhooks, the outbox.

Every route needs an admin-scoped token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from assistdesk.bridge.representations import OrganizationOut, organization_out
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature, Plan
from assistdesk.domain.people import service as people
from assistdesk.domain.webhooks import service as webhooks
from assistdesk.errors import Invalid
from assistdesk.outbox import admin as outbox
from assistdesk.outbox.models import JobStatus, OutboxJob
from assistdesk.security.tokens import new_token
from assistdesk.urls import without_credentials
from assistdesk.web.api.auth import Admin, RuntimeDep
from assistdesk.web.api.fields import CHAT_ID_PATTERN, Id, OneOf, choices
from assistdesk.web.api.paging import decode_cursor, encode_cursor

router = APIRouter(tags=["admin"])

PlanName = Annotated[str, OneOf(choices(p.value for p in Plan), what="plan")]
FeatureName = Annotated[str, OneOf(choices(f.value for f in Feature), what="feature")]
EventName = Annotated[str, OneOf(webhooks.EVENT_NAMES, what="event")]
JobStatusName = Annotated[str, OneOf(choices(s.value for s in JobStatus), what="job status")]


# Organizations ----------------------------------------------------------------------------------


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(min_length=1, max_length=200)
    plan: PlanName
    domains: list[str] = Field(default_factory=list, max_length=100)
    timezone: str = Field(default="UTC", max_length=64, description="business hours' IANA zone")
    holidays: str | None = Field(default=None, max_length=8, description="country whose holidays are skipped")


class OrganizationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})
    plan: PlanName | None = None
    add_domains: list[str] = Field(default_factory=list, max_length=100)
    remove_domains: list[str] = Field(default_factory=list, max_length=100)


class FeatureSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    enabled: bool


@router.get("/organizations", response_model=list[OrganizationOut])
def list_organizations(principal: Admin, runtime: RuntimeDep) -> list[OrganizationOut]:
    with runtime.db.reading() as session:
        return [organization_out(o) for o in orgs.list_orgs(session)]


@router.post("/organizations", response_model=OrganizationOut, status_code=status.HTTP_201_CREATED)
def create_organization(body: OrganizationCreate, principal: Admin, runtime: RuntimeDep) -> OrganizationOut:
    result: OrganizationOut = runtime.db.run(
        lambda uow: organization_out(
            orgs.create_org(
                uow,
                name=body.name,
                plan=body.plan,
                domains=body.domains,
                timezone=body.timezone,
                holidays=body.holidays,
            )
        )
    )
    return result


@router.get("/organizations/{name}", response_model=OrganizationOut)
def get_organization(name: str, principal: Admin, runtime: RuntimeDep) -> OrganizationOut:
    with runtime.db.reading() as session:
        return organization_out(orgs.get_org(session, name))


@router.patch("/organizations/{name}", response_model=OrganizationOut)
def patch_organization(
    name: str, body: OrganizationPatch, principal: Admin, runtime: RuntimeDep
) -> OrganizationOut:
    if not body.model_fields_set:
        raise Invalid("give at least one of plan, add_domains, remove_domains")

    def patch(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        if body.plan is not None:
            orgs.set_plan(uow, org=org, plan=body.plan)
        orgs.add_domains(uow, org=org, domains=body.add_domains)
        for domain in body.remove_domains:
            orgs.remove_domain(uow, org=org, domain=domain)
        return organization_out(org)

    result: OrganizationOut = runtime.db.run(patch)
    return result


@router.put("/organizations/{name}/features/{feature}", response_model=OrganizationOut)
def switch_feature(
    name: str,
    feature: Annotated[FeatureName, Path()],
    body: FeatureSwitch,
    principal: Admin,
    runtime: RuntimeDep,
) -> OrganizationOut:
    def switch(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        if body.enabled:
            orgs.enable_feature(uow, org=org, feature=feature, by_email=principal.email)
        else:
            orgs.disable_feature(uow, org=org, feature=feature)
        return organization_out(org)

    result: OrganizationOut = runtime.db.run(switch)
    return result


# Contacts and channels ---------------------------------------------------------------------------


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(default="", max_length=200)
    admin: bool = False


class ContactOut(BaseModel):
    email: str
    name: str
    admin: bool
    org: str


class ChannelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    platform: Literal["slack", "lark"]
    workspace: str = Field(
        default="",
        max_length=64,
        pattern=CHAT_ID_PATTERN.replace("]+$", "]*$"),
        description="Slack team id or Lark tenant key",
    )
    channel: str = Field(
        min_length=1, max_length=191, pattern=CHAT_ID_PATTERN, description="Slack channel id or Lark chat id"
    )


class ChannelOut(BaseModel):
    id: int
    platform: str
    workspace: str
    channel: str
    org: str


@router.get("/organizations/{name}/contacts", response_model=list[ContactOut])
def list_contacts(name: str, principal: Admin, runtime: RuntimeDep) -> list[ContactOut]:
    with runtime.db.reading() as session:
        org = orgs.get_org(session, name)
        return [
            ContactOut(email=c.email, name=c.name, admin=c.is_admin, org=org.name)
            for c in people.list_contacts(session, org=org)
        ]


@router.post("/organizations/{name}/contacts", response_model=ContactOut, status_code=status.HTTP_201_CREATED)
def add_contact(name: str, body: ContactIn, principal: Admin, runtime: RuntimeDep) -> ContactOut:
    def add(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        contact = people.add_contact(uow, email=body.email, org=org, name=body.name, admin=body.admin)
        return ContactOut(email=contact.email, name=contact.name, admin=contact.is_admin, org=org.name)

    result: ContactOut = runtime.db.run(add)
    return result


@router.get("/organizations/{name}/channels", response_model=list[ChannelOut])
def list_channels(name: str, principal: Admin, runtime: RuntimeDep) -> list[ChannelOut]:
    with runtime.db.reading() as session:
        org = orgs.get_org(session, name)
        return [
            ChannelOut(
                id=link.id,
                platform=link.platform,
                workspace=link.workspace,
                channel=link.channel,
                org=org.name,
            )
            for link in links.list_channel_links(session, organization_id=org.id)
        ]


@router.post(
    "/organizations/{name}/channels",
    response_model=ChannelOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": ChannelOut, "description": "The channel was linked already: it now links here"}
    },
)
def connect_channel(
    name: str, body: ChannelIn, principal: Admin, runtime: RuntimeDep, response: Response
) -> ChannelOut:
    def connect(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org(uow.session, name)
        link, created = links.connect_channel(
            uow, platform=body.platform, workspace=body.workspace, channel=body.channel, org=org
        )
        return created, ChannelOut(
            id=link.id, platform=link.platform, workspace=link.workspace, channel=link.channel, org=org.name
        )

    created, result = runtime.db.run(connect)
    if not created:
        response.status_code = status.HTTP_200_OK
    return result  # type: ignore[no-any-return]


# Agents -----------------------------------------------------------------------------------------


class AgentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    admin: bool = False
    password: str | None = Field(default=None, max_length=1024)


class AgentOut(BaseModel):
    email: str
    name: str
    admin: bool
    active: bool


@router.get("/agents", response_model=list[AgentOut])
def list_agents(principal: Admin, runtime: RuntimeDep) -> list[AgentOut]:
    with runtime.db.reading() as session:
        return [
            AgentOut(email=a.email, name=a.name, admin=a.is_admin, active=a.active)
            for a in people.list_agents(session)
        ]


@router.post("/agents", response_model=AgentOut, status_code=status.HTTP_201_CREATED)
def add_agent(body: AgentIn, principal: Admin, runtime: RuntimeDep) -> AgentOut:
    def add(uow):  # type: ignore[no-untyped-def]
        agent = people.add_agent(
            uow, email=body.email, name=body.name, admin=body.admin, password=body.password
        )
        return AgentOut(email=agent.email, name=agent.name, admin=agent.is_admin, active=agent.active)

    result: AgentOut = runtime.db.run(add)
    return result


# Webhooks ---------------------------------------------------------------------------------------


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    url: str = Field(min_length=1, max_length=2000)
    events: list[EventName] = Field(default_factory=list, description="empty: every event")


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    secret: str | None = Field(default=None, description="shown once, when created")


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(principal: Admin, runtime: RuntimeDep) -> list[WebhookOut]:
    with runtime.db.reading() as session:
        return [
            WebhookOut(id=h.id, url=without_credentials(h.url), events=h.events, active=h.active)
            for h in webhooks.list_webhooks(session)
        ]


@router.post("/webhooks", response_model=WebhookOut, status_code=status.HTTP_201_CREATED)
def add_webhook(body: WebhookIn, principal: Admin, runtime: RuntimeDep) -> WebhookOut:
    secret = new_token().replace("adk_", "whsec_")

    def add(uow):  # type: ignore[no-untyped-def]
        hook = webhooks.add_webhook(
            uow, url=body.url, secret_ciphertext=runtime.secrets.encrypt(secret), events=body.events
        )
        return WebhookOut(
            id=hook.id,
            url=without_credentials(hook.url),
            events=hook.events,
            active=hook.active,
            secret=secret,
        )

    result: WebhookOut = runtime.db.run(add)
    return result


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_webhook(webhook_id: Id, principal: Admin, runtime: RuntimeDep) -> Response:
    runtime.db.run(lambda uow: webhooks.remove_webhook(uow, webhook_id=webhook_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Outbox -----------------------------------------------------------------------------------------


class JobOut(BaseModel):
    id: int
    destination: str
    kind: str
    status: str
    attempts: int
    failures: int
    created_at: datetime
    available_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None


def job_out(job: OutboxJob) -> JobOut:
    return JobOut(
        id=job.id,
        destination=job.destination,
        kind=job.kind,
        status=job.status,
        attempts=job.attempts,
        failures=job.failures,
        created_at=job.created_at,
        available_at=job.available_at,
        delivered_at=job.delivered_at,
        last_error=job.last_error,
    )


def parse_job_status(raw: str | None) -> JobStatus | None:
    if not raw:
        return None
    try:
        return JobStatus(raw)
    except ValueError:
        choices = ", ".join(s.value for s in JobStatus)
        raise Invalid(f"unknown job status {raw!r} (choose one of: {choices})", field="status") from None


@router.get(
    "/outbox", response_model=JobPage, summary="Deliveries, newest first; status=failed lists dead letters"
)
def list_jobs(
    principal: Admin,
    runtime: RuntimeDep,
    status_filter: Annotated[JobStatusName | None, Query(alias="status")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> JobPage:
    wanted = parse_job_status(status_filter)
    before = decode_cursor(cursor)
    with runtime.db.reading() as session:
        rows = outbox.list_jobs(session, status=wanted, limit=limit + 1, before_id=before)
    page = rows[:limit]
    return JobPage(
        items=[job_out(j) for j in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit else None,
    )


@router.post("/outbox/{job_id}/retry", response_model=JobOut, summary="Replay a failed delivery")
def retry_job(job_id: Id, principal: Admin, runtime: RuntimeDep) -> JobOut:
    result: JobOut = runtime.db.run(lambda uow: job_out(outbox.retry(uow, job_id=job_id)))
    return result
