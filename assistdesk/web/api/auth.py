"""Bearer tokens: agents authenticate with API tokens; admin-scoped tokens reach admin resources."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, ClassVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.people import service as people
from assistdesk.errors import DomainError, NotAllowed
from assistdesk.runtime import Runtime
from assistdesk.security import tokens
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


@dataclass(frozen=True)
class _Holder:
    """What a token proves, as plain values the process cache can keep between requests."""

    principal: Principal
    token_id: int
    stale: bool


def _holder(session: Session, token: str) -> _Holder | None:
    record = people.authenticate_token(session, token)
    if record is None:
        return None
    principal = Principal(record.agent_id, record.agent.email, record.agent.display_name, record.scope)
    return _Holder(principal, record.id, people.token_use_is_stale(record))


def cached_principal(runtime: Runtime, token: str) -> tuple[Principal | None, str]:
    """The principal of `token` (as sent, stripped) when the process cache holds it, and the
    token's cache key."""
    key = tokens.digest(token)
    return principal_cached_at(runtime, key), key


def principal_cached_at(runtime: Runtime, key: str) -> Principal | None:
    """The principal the process cache holds under a token's cache key (`cached_principal`'s), now:
    asking again by key costs no second digest."""
    holder: _Holder | None = runtime.db.cache(people.TOKEN_CACHE).peek(key)
    return holder.principal if holder is not None else None


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    runtime: Annotated[Runtime, Depends(get_runtime)],
) -> Principal:
    """Async, so that a token found in the process cache (assistdesk.db.cache) costs no thread hop
    and no statement; unknown tokens are not cached, so guessing costs what it always did."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("send an API token as `Authorization: Bearer <token>`")
    token = credentials.credentials.strip()
    principal, key = cached_principal(runtime, token)
    if principal is None:
        cache = runtime.db.cache(people.TOKEN_CACHE)
        generation = cache.generation
        holder = await runtime.db.read_async(lambda session: _holder(session, token))
        if holder is None:
            raise Unauthenticated("the API token is unknown or revoked")
        if holder.stale:
            token_id = holder.token_id

            def touch(uow: UnitOfWork) -> None:
                people.touch_token(uow.session, token_id)

            await runtime.db.run_async(touch)
            holder = replace(holder, stale=False)
        cache.put(key, holder, loaded_in=generation)
        principal = holder.principal
    return principal


async def require_admin(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """Async: a check of a value in hand needs no worker thread (see `get_runtime`)."""
    if not principal.is_admin:
        raise NotAllowed("this needs an admin-scoped API token")
    return principal


Agent = Annotated[Principal, Depends(authenticate)]
Admin = Annotated[Principal, Depends(require_admin)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
