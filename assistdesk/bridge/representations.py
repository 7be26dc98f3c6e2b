"""Public JSON shapes of tickets and comments (INTERFACE.md), shared by the REST API and webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from assistdesk.bridge.views import author_label
from assistdesk.db.types import utcnow
from assistdesk.domain.orgs.entitlements import chat_mode
from assistdesk.domain.orgs.enums import Feature
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.sla.clock import sla_state
from assistdesk.domain.tickets.models import Attachment, Comment, Ticket


class AuthorOut(BaseModel):
    name: str
    email: str | None
    kind: Literal["contact", "agent", "chat"]


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    url: str | None = Field(description="a link to the file where we only hold its link")


class CommentOut(BaseModel):
    id: int
    author: AuthorOut
    body: str
    public: bool
    source: str
    created_at: datetime
    edited_at: datetime | None = None
    deleted: bool = False
    attachments: list[AttachmentOut] = []


class TicketOut(BaseModel):
    key: str = Field(examples=["SUP-1"])
    org: str
    title: str
    description: str
    status: Literal["open", "in_progress", "waiting_on_customer", "resolved", "closed"]
    severity: Literal["S1", "S2", "S3", "S4"]
    reporter_email: str
    assignee_email: str | None
    source: Literal["slack", "lark", "portal", "email", "api"]
    created_at: datetime
    updated_at: datetime
    url: str
    first_response_due_at: datetime | None = Field(
        default=None, description="when a first response is promised; null when the plan promises none"
    )
    first_response_at: datetime | None = Field(
        default=None, description="the first public reply by an agent, from any channel"
    )
    sla: Literal["none", "running", "met", "breached"] = "none"


class TicketWithComments(TicketOut):
    comments: list[CommentOut]


def ticket_out(ticket: Ticket, *, public_url: str) -> TicketOut:
    return TicketOut(
        key=ticket.key,
        org=ticket.organization.name,
        title=ticket.title,
        description=ticket.description,
        status=ticket.status,
        severity=ticket.severity,
        reporter_email=ticket.reporter.email,
        assignee_email=ticket.assignee.email if ticket.assignee is not None else None,
        source=ticket.source,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        url=f"{public_url}/help/requests/{ticket.key}",
        first_response_due_at=ticket.first_response_due_at,
        first_response_at=ticket.first_response_at,
        sla=sla_state(ticket, utcnow()).value,
    )


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=attachment.external_url,
    )


def comment_out(comment: Comment) -> CommentOut:
    return CommentOut(
        id=comment.id,
        author=AuthorOut(
            name=author_label(comment.author_name, comment.author_kind, comment.source),
            email=comment.author_email,
            kind=comment.author_kind,
        ),
        body="" if comment.deleted_at is not None else comment.body,
        public=comment.public,
        source=comment.source,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        deleted=comment.deleted_at is not None,
        attachments=[attachment_out(a) for a in comment.attachments],
    )


class OrganizationOut(BaseModel):
    name: str
    plan: Literal["basic", "developer", "enterprise", "premium"]
    timezone: str = "UTC"
    holidays: str | None = None
    domains: list[str]
    features: dict[str, Literal["off", "requested", "enabled", "suspended"]] = Field(
        examples=[{"slack": "enabled", "lark": "off"}]
    )
    chat: Literal["none", "create_and_follow", "interact"] = Field(
        description="what the plan allows in an enabled Slack or Lark channel"
    )


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        name=org.name,
        plan=org.plan,
        domains=[d.domain for d in org.domains],
        timezone=org.timezone or "UTC",
        holidays=org.holidays,
        features={f.value: org.feature_state(f).value for f in Feature},
        chat=chat_mode(org).value,
    )
