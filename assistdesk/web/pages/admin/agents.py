"""Admin: agents — who they are, whether they can sign in; adding one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people import service as people
from assistdesk.errors import DomainError
from assistdesk.web.pages.admin.notices import BASE, Notice, admin_page, back_to, checkbox
from assistdesk.web.pages.forms import errors_of, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix=BASE)


def _rows(session: Session) -> list[dict[str, Any]]:
    return [
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


async def _agents_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    rows = await runtime_of(request).db.read_async(_rows)
    return admin_page(request, "admin/agents.html", viewer, status, rows=rows, **extra)


@router.get("/agents")
async def agents_page(request: Request) -> Response:
    return await _agents_page(request, await staff(request, admin=True))


@router.post("/agents")
async def add_agent(request: Request) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    email, name, password = field(form, "email"), field(form, "name"), field(form, "password")
    admin = checkbox(form, "admin")
    values: dict[str, Any] = {"email": email, "name": name, "admin": admin}

    def work(uow: UnitOfWork) -> Notice:
        agent = people.add_agent(uow, email=email, name=name, admin=admin, password=password)
        return "agent_added", {"email": agent.email}

    async def failed(exc: DomainError) -> Response:
        return await _agents_page(request, viewer, exc.status, errors=errors_of(exc, "email"), values=values)

    return await submit(request, work, done=back_to(request, f"{BASE}/agents"), failed=failed)
