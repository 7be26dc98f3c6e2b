"""Bearer tokens: agents authenticate with API tokens; admin-scoped tokens reach admin resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistdesk.domain.people import service as people
from assistdesk.errors import DomainError, NotAllowed
from assistdesk.runtime import Runtime
from assistdesk.web.deps import get_runtime

_bearer = HTTPBearer(auto_error=False, description="an API token from `assistdesk token create`")


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"
    headers: ClassVar[dict[str, str]] = {
        "WWW-Authenticate": "Bearer"
    }  # RFC 9110 §11.6.1: a 401 names its scheme


@dataclass(frozen=True)
class Principal:
    agent_id: int
    email: str
    name: str
    scope: str

    @property
    def is_admin(self) -> bool:
        return self.scope == people.Scope.ADMIN.value


def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("send an API token as `Authorization: Bearer <token>`")
    token = credentials.credentials.strip()
    with runtime.db.reading() as session:
        record = people.authenticate_token(session, token)
        if record is None:
            raise Unauthenticated("the API token is unknown or revoked")
        principal = Principal(record.agent_id, record.agent.email, record.agent.display_name, record.scope)
        stale = people.token_use_is_stale(record)
        token_id = record.id
    if stale:
        runtime.db.run(lambda uow: people.touch_token(uow.session, token_id))
    return principal


def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if not principal.is_admin:
        raise NotAllowed("this needs an admin-scoped API token")
    return principal


Agent = Annotated[Principal, Depends(authenticate)]
Admin = Annotated[Principal, Depends(require_admin)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
