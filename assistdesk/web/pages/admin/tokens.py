"""Admin: API tokens — the list, a new one (shown once, in the response to its POST), revoking one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import ApiToken
from assistdesk.errors import DomainError, Invalid
from assistdesk.web.pages.admin.notices import BASE, Notice, admin_page, back_to
from assistdesk.web.pages.forms import never_missing, submit
from assistdesk.web.pages.guard import checked_form, field, runtime_of, translator
from assistdesk.web.pages.viewers import Staff, staff

router = APIRouter(prefix=BASE)


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


def _rows(session: Session) -> tuple[list[TokenRow], list[tuple[str, str, bool]]]:
    rows = _token_rows(people.list_tokens(session))
    agents = [(a.email, a.display_name, a.is_admin) for a in people.list_agents(session) if a.active]
    return rows, agents


async def _tokens_page(request: Request, viewer: Staff, status: int = 200, **extra: Any) -> Response:
    rows, agents = await runtime_of(request).db.read_async(_rows)
    extra.setdefault("created", None)
    return admin_page(request, "admin/tokens.html", viewer, status, rows=rows, agents=agents, **extra)


@router.get("/tokens")
async def tokens_page(request: Request) -> Response:
    return await _tokens_page(request, await staff(request, admin=True))


@router.post("/tokens")
async def create_token(request: Request) -> Response:
    viewer = await staff(request, admin=True)
    form = await checked_form(request)
    email, scope, name = field(form, "agent_email"), field(form, "scope"), field(form, "name")
    values = {"agent_email": email, "scope": scope, "name": name}
    _ = translator(request)

    def work(uow: UnitOfWork) -> dict[str, str]:
        if scope not in ("agent", "admin"):
            raise Invalid(_("Choose the agent or admin scope."), field="scope")
        agent = people.get_agent(uow.session, email)
        secret, record = people.create_token(uow, agent=agent, scope=scope, name=name)
        return {"secret": secret, "prefix": record.prefix, "agent": agent.email, "scope": record.scope}

    async def failed(exc: DomainError) -> Response:
        key = exc.field if exc.field in ("agent_email", "scope", "name") else "scope"
        return await _tokens_page(request, viewer, exc.status, errors={key: exc.message}, values=values)

    async def shown(created: dict[str, str]) -> Response:
        # In this response only: the database keeps a digest, and no notice cookie carries it.
        return await _tokens_page(request, viewer, 201, created=created)

    return await submit(request, work, done=shown, failed=failed, missing=never_missing)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(request: Request, token_id: int) -> Response:
    viewer = await staff(request, admin=True)
    await checked_form(request)

    def work(uow: UnitOfWork) -> Notice:
        people.revoke_token(uow, token_id=token_id)
        record = uow.session.get(ApiToken, token_id)
        return "token_revoked", {"prefix": record.prefix if record is not None else ""}

    async def failed(exc: DomainError) -> Response:
        return await _tokens_page(request, viewer, exc.status, errors={"form": exc.message})

    return await submit(request, work, done=back_to(request, f"{BASE}/tokens"), failed=failed)
