"""/api/v1/tickets"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import Mount

from assistdesk.bridge.representations import (
    CommentOut,
    TicketOut,
    TicketWithComments,
    comment_out,
    ticket_out,
)
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.people import service as people
from assistdesk.domain.text import normalise_email
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import AuthorKind, CommentSource, Severity, Status, TicketSource
from assistdesk.domain.tickets.service import Author
from assistdesk.errors import Invalid
from assistdesk.runtime import Runtime
from assistdesk.web.api.auth import Agent, Principal, RuntimeDep
from assistdesk.web.api.direct import DirectApi, Write
from assistdesk.web.api.fields import NotBlank, OneOf, choices
from assistdesk.web.api.paging import decode_cursor, encode_cursor

router = APIRouter(tags=["tickets"])

JSON = "application/json"

TicketKey = Annotated[str, Path(description="the ticket's key", examples=["SUP-1"])]


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


SeverityName = Annotated[str, OneOf(choices(s.value for s in Severity), what="severity")]
StatusName = Annotated[str, OneOf(choices(s.value for s in Status), what="status")]
# Not only white space: a title or a comment that reads as nothing is refused.
SomeText = Annotated[str, NotBlank()]


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    org: str = Field(min_length=1, max_length=200, description="the organization's name", examples=["Acme"])
    reporter_email: str = Field(min_length=3, max_length=320, examples=["ann@acme.example"])
    title: SomeText = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=100_000)
    severity: SeverityName = Field(default="S3", description="S1 (critical) … S4 (question)")


class TicketPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})
    status: StatusName | None = None
    severity: SeverityName | None = None
    assignee_email: str | None = Field(default=None, max_length=320, description="null unassigns")


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    body: SomeText = Field(min_length=1, max_length=100_000)
    public: bool = Field(
        default=True, description="false: an internal note, never shown to customers or posted to chat"
    )


@router.get("/tickets", response_model=TicketPage, summary="List tickets, newest first")
def list_tickets(
    principal: Agent,
    runtime: RuntimeDep,
    org: str | None = None,
    status_filter: Annotated[
        str | None, Query(alias="status", description="one or several, comma-separated")
    ] = None,
    reporter: str | None = None,
    sla: Annotated[str | None, Query(description="running or breached")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> TicketPage:
    before = decode_cursor(cursor)
    statuses = [tickets.parse_status(s) for s in (status_filter or "").split(",") if s.strip()]
    sla_state = tickets.parse_sla_filter(sla) if sla else None
    with runtime.db.reading() as session:
        organization_id = orgs.get_org(session, org).id if org else None
        reporter_id: int | None = None
        if reporter:
            contact = people.find_contact(session, normalise_email(reporter, field="reporter"))
            if contact is None:
                return TicketPage(items=[], next_cursor=None)
            reporter_id = contact.id
        rows = tickets.list_tickets(
            session,
            organization_id=organization_id,
            statuses=statuses,
            reporter_id=reporter_id,
            before_id=before,
            limit=limit + 1,
            sla=sla_state,
        )
        page = rows[:limit]
        items = [ticket_out(t, public_url=runtime.settings.public_url) for t in page]
        next_cursor = encode_cursor(page[-1].id) if len(rows) > limit else None
    return TicketPage(items=items, next_cursor=next_cursor)


def created(answer: BaseModel, *, location: str | None = None) -> Response:
    """201 with `answer` as its body, serialized once here.

    The route keeps its `response_model` (the OpenAPI schema), but FastAPI would validate the
    returned model a second time, in a worker thread of its own for a sync route, before
    serializing it; the answer was just built from the row written, so that pass checks nothing.
    """
    headers = {"Location": location} if location is not None else None
    return Response(
        answer.model_dump_json(), status_code=status.HTTP_201_CREATED, headers=headers, media_type=JSON
    )


@router.post(
    "/tickets", response_model=TicketOut, status_code=status.HTTP_201_CREATED, summary="Open a ticket"
)
async def create_ticket(body: TicketCreate, principal: Agent, runtime: RuntimeDep) -> Response:
    # The front's lane (api/direct.py) calls `open_ticket` straight; this route answers the rest.
    return await open_ticket(runtime, principal, {}, body)


async def open_ticket(
    runtime: Runtime, principal: Principal, path: dict[str, Any], body: TicketCreate
) -> Response:
    """POST /tickets once authenticated and validated. Async with one hand-off (Database.run_async)
    instead of FastAPI's worker thread for a plain `def` route: the write is the only blocking part,
    and anyio's hand-off costs twice as much."""

    def create(uow):  # type: ignore[no-untyped-def]
        org = orgs.get_org_cached(uow.session, body.org)
        reporter = people.resolve_reporter(uow, org=org, email=body.reporter_email)
        ticket = tickets.create_ticket(
            uow,
            org=org,
            reporter=reporter,
            title=body.title,
            description=body.description,
            severity=body.severity,
            source=TicketSource.API,
            prefix=runtime.settings.ticket_prefix,
        )
        return ticket_out(ticket, public_url=runtime.settings.public_url)

    answer: TicketOut = await runtime.db.run_async(create)
    return created(answer, location=f"/api/v1/tickets/{answer.key}")


@router.get("/tickets/{key}", response_model=TicketWithComments, summary="A ticket with all its comments")
def get_ticket(key: TicketKey, principal: Agent, runtime: RuntimeDep) -> TicketWithComments:
    with runtime.db.reading() as session:
        ticket = tickets.get_ticket(session, key)
        base = ticket_out(ticket, public_url=runtime.settings.public_url)
        comments = [comment_out(c) for c in tickets.comments_of(session, ticket, public_only=False)]
    return TicketWithComments(**base.model_dump(), comments=comments)


@router.patch("/tickets/{key}", response_model=TicketOut, summary="Change status, severity or assignee")
def patch_ticket(key: TicketKey, body: TicketPatch, principal: Agent, runtime: RuntimeDep) -> TicketOut:
    given = body.model_fields_set
    if not given:
        raise Invalid("give at least one of status, severity, assignee_email")

    def patch(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, key)
        actor = Author.of_agent(people.get_agent(uow.session, principal.email))
        if "assignee_email" in given:
            agent = people.get_agent(uow.session, body.assignee_email) if body.assignee_email else None
            tickets.assign(uow, ticket=ticket, agent=agent)
        if "severity" in given:
            if body.severity is None:
                raise Invalid("severity cannot be null", field="severity")
            tickets.change_severity(uow, ticket=ticket, severity=body.severity)
        if "status" in given:
            if body.status is None:
                raise Invalid("status cannot be null", field="status")
            tickets.change_status(uow, ticket=ticket, status=body.status, actor=actor)
        return ticket_out(ticket, public_url=runtime.settings.public_url)

    result: TicketOut = runtime.db.run(patch)
    return result


@router.post(
    "/tickets/{key}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Reply publicly or add an internal note",
)
async def add_comment(key: TicketKey, body: CommentCreate, principal: Agent, runtime: RuntimeDep) -> Response:
    # As `create_ticket` (no docstring: it would become the OpenAPI description).
    return await comment_on(runtime, principal, {"key": key}, body)


async def comment_on(
    runtime: Runtime, principal: Principal, path: dict[str, Any], body: CommentCreate
) -> Response:
    """POST /tickets/{key}/comments once authenticated and validated. The token's principal is the
    agent (authentication refuses a deactivated one): no re-read."""
    key: str = path["key"]
    author = Author(AuthorKind.AGENT, principal.name, principal.email, agent_id=principal.agent_id)

    def add(uow):  # type: ignore[no-untyped-def]
        ticket = tickets.get_ticket(uow.session, key)
        comment = tickets.add_comment(
            uow, ticket=ticket, author=author, body=body.body, public=body.public, source=CommentSource.API
        )
        return comment_out(comment)

    answer: CommentOut = await runtime.db.run_async(add)
    return created(answer)


def direct_writes(mount: Mount) -> DirectApi:
    """The two writes the front answers itself (`api.direct`): opening a ticket, commenting."""
    return DirectApi(
        mount,
        [Write(create_ticket, TicketCreate, open_ticket), Write(add_comment, CommentCreate, comment_on)],
    )
