"""Contacts, agents and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistdesk.db.cache import cached_row
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.orgs.models import Organization
from assistdesk.domain.orgs.service import org_for_email_domain
from assistdesk.domain.people.models import Agent, ApiToken, Contact
from assistdesk.domain.text import clean_line, email_domain, normalise_email
from assistdesk.errors import Conflict, Invalid, NotAllowed, NotFound
from assistdesk.security import passwords, tokens

MAX_NAME = 200
# Refreshing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# The process cache of authenticated tokens (assistdesk.db.cache): a revoked one is refused by this
# process at once and by every other within a second.
TOKEN_CACHE = ApiToken.process_cache


class Scope(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


# Contacts ----------------------------------------------------------------------------------------


def find_contact(session: Session, email: str) -> Contact | None:
    return session.scalars(select(Contact).where(Contact.email == email.strip().lower())).one_or_none()


def get_contact(session: Session, email: str) -> Contact:
    contact = find_contact(session, normalise_email(email))
    if contact is None:
        raise NotFound(f"no contact with email {email.strip()!r}", field="email")
    return contact


def add_contact(work: Work, *, email: str, org: Organization, name: str = "", admin: bool = False) -> Contact:
    clean = normalise_email(email)
    if find_contact(work.session, clean) is not None:
        raise Conflict(f"a contact with email {clean} already exists", field="email")
    if _find_agent(work.session, clean) is not None:
        raise Conflict(
            f"{clean} is an agent's email; a person is either a contact or an agent", field="email"
        )
    contact = Contact(
        email=clean,
        organization_id=org.id,
        name=clean_line(name, field="name", max_length=MAX_NAME, required=False),
        is_admin=admin,
    )
    contact.organization = org
    work.session.add(contact)
    work.session.flush()
    return contact


def list_contacts(session: Session, *, org: Organization) -> Sequence[Contact]:
    return session.scalars(
        select(Contact).where(Contact.organization_id == org.id).order_by(Contact.email)
    ).all()


def resolve_reporter(work: Work, *, org: Organization, email: str, name: str = "") -> Contact:
    """The contact a new ticket is reported by (INTERFACE.md, "Who may open a ticket from chat").

    The email must belong to a contact of `org`, or have one of the organization's email domains, in
    which case the contact is created. Anything else is a validation error on the reporter field.
    """
    clean = normalise_email(email, field="reporter_email")
    # Read on every new ticket; a contact found within the last second comes from the process cache.
    contact = cached_row(work.session, Contact, clean, lambda: find_contact(work.session, clean))
    if contact is not None:
        if contact.organization_id != org.id:
            raise Invalid(f"{clean} is not a contact of {org.name}", field="reporter_email")
        return contact
    owner = org_for_email_domain(work.session, email_domain(clean))
    if owner is None or owner.id != org.id:
        raise Invalid(f"{clean} is not a contact of {org.name}", field="reporter_email")
    return add_contact(work, email=clean, org=org, name=name)


# Agents ------------------------------------------------------------------------------------------


def _find_agent(session: Session, email: str) -> Agent | None:
    return session.scalars(select(Agent).where(Agent.email == email)).one_or_none()


def find_agent(session: Session, email: str) -> Agent | None:
    return _find_agent(session, email.strip().lower())


def get_agent(session: Session, email: str) -> Agent:
    agent = find_agent(session, email)
    if agent is None:
        raise NotFound(f"no agent with email {email.strip()!r}", field="agent_email")
    return agent


def add_agent(
    work: Work, *, email: str, name: str, admin: bool = False, password: str | None = None
) -> Agent:
    clean = normalise_email(email)
    if _find_agent(work.session, clean) is not None:
        raise Conflict(f"an agent with email {clean} already exists", field="email")
    if find_contact(work.session, clean) is not None:
        raise Conflict(
            f"{clean} is a customer contact; a person is either a contact or an agent", field="email"
        )
    agent = Agent(
        email=clean,
        name=clean_line(name, field="name", max_length=MAX_NAME),
        is_admin=admin,
        password_hash=_checked_hash(password) if password is not None else None,
    )
    work.session.add(agent)
    work.session.flush()
    return agent


def list_agents(session: Session) -> Sequence[Agent]:
    return session.scalars(select(Agent).order_by(Agent.email)).all()


def set_password(work: Work, *, agent: Agent, password: str) -> None:
    agent.password_hash = _checked_hash(password)
    work.session.flush()


def _checked_hash(password: str) -> str:
    if len(password) < passwords.MIN_LENGTH:
        raise Invalid(f"a password needs at least {passwords.MIN_LENGTH} characters", field="password")
    if len(password) > 1024:
        raise Invalid("a password may not exceed 1024 characters", field="password")
    return passwords.hash_password(password)


def check_agent_password(session: Session, *, email: str, password: str) -> Agent | None:
    agent = find_agent(session, email)
    if agent is None or not agent.active:
        passwords.verify_password(None, password)
        return None
    if not passwords.verify_password(agent.password_hash, password):
        return None
    return agent


# API tokens --------------------------------------------------------------------------------------


def create_token(
    work: Work, *, agent: Agent, scope: str | None = None, name: str = ""
) -> tuple[str, ApiToken]:
    """Returns the token itself (to show once) and its stored record (which keeps only a digest)."""
    chosen = Scope(scope) if scope else (Scope.ADMIN if agent.is_admin else Scope.AGENT)
    if chosen is Scope.ADMIN and not agent.is_admin:
        raise NotAllowed(f"{agent.email} is not an admin; an admin-scoped token needs an admin agent")
    if not agent.active:
        raise Conflict(f"{agent.email} is deactivated")
    secret = tokens.new_token()
    record = ApiToken(
        agent_id=agent.id,
        name=clean_line(name, field="name", max_length=MAX_NAME, required=False),
        token_digest=tokens.digest(secret),
        prefix=tokens.display_prefix(secret),
        scope=chosen.value,
    )
    record.agent = agent
    work.session.add(record)
    work.session.flush()
    return secret, record


def authenticate_token(session: Session, secret: str) -> ApiToken | None:
    record = session.scalars(
        select(ApiToken).where(ApiToken.token_digest == tokens.digest(secret))
    ).one_or_none()
    if record is None or record.revoked_at is not None or not record.agent.active:
        return None
    return record


def token_use_is_stale(record: ApiToken) -> bool:
    """Use is recorded at most every few minutes, so that reads stay reads."""
    return record.last_used_at is None or utcnow() - record.last_used_at >= LAST_USED_RESOLUTION


def touch_token(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def revoke_token(work: Work, *, token_id: int) -> None:
    record = work.session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"no API token #{token_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        work.session.flush()


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def contacts_page(
    session: Session, *, org: Organization, after_email: str | None = None, limit: int = 100
) -> Sequence[Contact]:
    """An organization's contacts by email, `limit` at a time (keyset: those after `after_email`)."""
    stmt = select(Contact).where(Contact.organization_id == org.id).order_by(Contact.email).limit(limit)
    if after_email:
        stmt = stmt.where(Contact.email > after_email)
    return session.scalars(stmt).all()
