"""The help center's chat features (organization admins only): which of Slack and Lark the plan
allows, their state, and asking for one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.orgs import entitlements
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.orgs.enums import Feature, FeatureState, RequestStatus
from assistdesk.errors import DomainError, NotFound
from assistdesk.web.pages.forms import never_missing, see_other, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of
from assistdesk.web.pages.help_center.frame import page
from assistdesk.web.pages.viewers import Customer, customer

router = APIRouter(prefix="/help")

ADMINS_ONLY = "chat features are managed by your organization's admins"


def _features(session: Session, organization_id: int) -> tuple[str, list[dict[str, Any]]]:
    org = orgs.get_org_by_id(session, organization_id)
    result = []
    for feature in Feature:
        latest = next((r for r in reversed(org.requests) if r.feature == feature.value), None)
        result.append(
            {
                "feature": feature.value,
                "allowed": feature.allowed_on(org.plan_enum),
                "minimum_plan": feature.minimum_plan.value,
                "mode": entitlements.chat_mode(org).value,
                "state": org.feature_state(feature).value,
                "can_request": feature.allowed_on(org.plan_enum)
                and org.feature_state(feature) in (FeatureState.OFF,),
                "latest": None
                if latest is None
                else {
                    "status": latest.status,
                    "created_at": latest.created_at,
                    "decided_at": latest.decided_at,
                    "note": latest.decision_note,
                    "denied": latest.status == RequestStatus.DENIED.value,
                },
            }
        )
    return org.plan, result


async def _chat_page(request: Request, viewer: Customer, status: int = 200, **extra: Any) -> Response:
    if not viewer.is_admin:
        raise NotFound(ADMINS_ONLY)
    plan, features = await runtime_of(request).db.read_async(
        lambda session: _features(session, viewer.organization_id)
    )
    return page(
        request,
        "help/chat.html",
        viewer,
        status,
        plan=plan,
        features=features,
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/chat")
async def chat_features(request: Request) -> Response:
    return await _chat_page(request, await customer(request))


@router.post("/chat")
async def request_chat_feature(request: Request) -> Response:
    viewer = await customer(request)
    form = await checked_form(request)
    if not viewer.is_admin:
        raise NotFound(ADMINS_ONLY)
    feature, note = field(form, "feature"), field(form, "note")

    def work(uow: UnitOfWork) -> None:
        org = orgs.get_org_by_id(uow.session, viewer.organization_id)
        orgs.request_feature(uow, org=org, feature=feature, requested_by_email=viewer.email, note=note)

    async def failed(exc: DomainError) -> Response:
        return await _chat_page(request, viewer, exc.status, errors={"feature": exc.message})

    return await submit(
        request, work, done=lambda _: see_other("/help/chat"), failed=failed, missing=never_missing
    )
