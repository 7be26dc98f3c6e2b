"""Who a session cookie belongs to, as plain values in one statement built once: every console and
help-center page asks this first, so it is read without ORM objects (`service.find_session` is the
same rule: a known digest whose session has not expired).

A console page finds its agent in the process cache `AGENT_CACHE` (assistdesk.db.cache) when the same
session was read within the last second, and reads nothing then. The cache is the API tokens' one,
because an agent's row names it (`Agent.process_cache`): deactivating an agent, or any change to
it, empties it in this process at once, and signing out does so explicitly (`service.close_session`);
other processes forget within a second, as they forget a revoked token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.db.cache import TtlCache
from assistdesk.db.types import UTCDateTime, utcnow
from assistdesk.domain.access.models import WebSession
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.security.tokens import digest

MAX_TOKEN = 100
AGENT_CACHE = Agent.process_cache

_SESSIONS = table_of(WebSession)
_AGENTS = table_of(Agent)
_CONTACTS = table_of(Contact)
_ORGS = table_of(Organization)
_LIVE = (
    _SESSIONS.c.token_digest == bindparam("digest"),
    _SESSIONS.c.expires_at > bindparam("now", type_=UTCDateTime),
)
_AGENT = (
    select(_AGENTS.c.id, _AGENTS.c.email, _AGENTS.c.name, _AGENTS.c.is_admin, _AGENTS.c.active)
    .select_from(_SESSIONS.join(_AGENTS, _AGENTS.c.id == _SESSIONS.c.agent_id))
    .where(*_LIVE)
)
_CONTACT = (
    select(
        _CONTACTS.c.id,
        _CONTACTS.c.email,
        _CONTACTS.c.name,
        _CONTACTS.c.organization_id,
        _ORGS.c.name,
        _CONTACTS.c.is_admin,
    )
    .select_from(
        _SESSIONS.join(_CONTACTS, _CONTACTS.c.id == _SESSIONS.c.contact_id).join(
            _ORGS, _ORGS.c.id == _CONTACTS.c.organization_id
        )
    )
    .where(*_LIVE)
)


@dataclass(frozen=True, slots=True)
class SignedInAgent:
    id: int
    email: str
    name: str  # as shown: the name, else the email
    is_admin: bool
    active: bool


@dataclass(frozen=True, slots=True)
class SignedInContact:
    id: int
    email: str
    name: str  # as shown: the name, else the email
    organization_id: int
    organization: str
    is_admin: bool


def _live_row(session: Session, statement: Select[Any], token: str) -> Sequence[Any] | None:
    """The row of `statement` for the session `token`, if it is live; a token no issued one could
    be (empty, or longer than any) is not looked up."""
    if not token or len(token) > MAX_TOKEN:
        return None
    return session.execute(statement, {"digest": digest(token), "now": utcnow()}).first()


def agent_of(session: Session, token: str) -> SignedInAgent | None:
    row = _live_row(session, _AGENT, token)
    if row is None:
        return None
    id_, email, name, is_admin, active = row
    return SignedInAgent(id_, email, name or email, is_admin, active)


def cached_agent_of(session: Session, token: str, cache: TtlCache[Any, Any]) -> SignedInAgent | None:
    """`agent_of`, through `cache` (the process's `AGENT_CACHE`). A session not found is not kept,
    so a guessed cookie costs a statement every time, as before."""
    if not token or len(token) > MAX_TOKEN:
        return None
    key = ("web_session", digest(token))  # beside the API tokens' digests, never mistaken for one
    found: SignedInAgent | None = cache.peek(key)
    if found is None:
        generation = cache.generation
        found = agent_of(session, token)
        if found is not None:
            cache.put(key, found, loaded_in=generation)
    return found


def contact_of(session: Session, token: str) -> SignedInContact | None:
    row = _live_row(session, _CONTACT, token)
    if row is None:
        return None
    id_, email, name, organization_id, organization, is_admin = row
    return SignedInContact(id_, email, name or email, organization_id, organization, is_admin)
