"""Signing in without passwords (customers) and with them (agents), and what keeps it safe.

A customer gets a one-time link and a 6-digit code by mail (15 minutes, single use). The link token is
256 random bits, so its SHA-256 digest is enough; the code has only a million values, so its digest is
keyed with the instance's secret (a leaked table does not give the codes away) and five wrong guesses
spend it. Nothing here says whether an email is known: the caller answers the same either way.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistdesk.db import cache
from assistdesk.db.types import utcnow
from assistdesk.domain.access import signed_in
from assistdesk.domain.access.events import LoginRequested
from assistdesk.domain.access.models import LoginToken, RateEvent, WebSession
from assistdesk.domain.events import Work
from assistdesk.domain.people import service as people
from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.text import normalise_email
from assistdesk.errors import Conflict, Invalid
from assistdesk.security.secretbox import SecretBox
from assistdesk.security.tokens import digest

LOGIN_TTL = timedelta(minutes=15)
# INTERFACE.md: sign-in limits never bite before 5 attempts per email or 20 per address in 15 minutes.
SIGN_IN_WINDOW = timedelta(minutes=15)
SIGN_IN_PER_EMAIL = 5
SIGN_IN_PER_ADDRESS = 20
SETUP_TTL = timedelta(hours=24)
SESSION_TTL = timedelta(days=14)
MAX_CODE_ATTEMPTS = 5
CUSTOMER = "customer"
FIRST_ADMIN = "first_admin"


def _code_digest(box: SecretBox, code: str) -> str:
    return box.sign(code.encode(), "login-code")


# Customer login ----------------------------------------------------------------------------------


def request_login(work: Work, *, email: str, locale: str, box: SecretBox) -> bool:
    """Issue a link and a code to a known contact. Returns whether mail will go out; callers must
    not show it (the page reads the same for unknown addresses)."""
    clean = normalise_email(email)
    contact = people.find_contact(work.session, clean)
    if contact is None:
        return False
    link = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = utcnow()
    work.session.add(
        LoginToken(
            purpose=CUSTOMER,
            contact_id=contact.id,
            link_digest=digest(link),
            code_digest=_code_digest(box, code),
            created_at=now,
            expires_at=now + LOGIN_TTL,
        )
    )
    work.session.flush()
    work.emit(
        LoginRequested(contact_id=contact.id, email=contact.email, locale=locale, link_token=link, code=code)
    )
    return True


def _usable(token: LoginToken | None, purpose: str, now: datetime) -> bool:
    return token is not None and token.purpose == purpose and token.used_at is None and token.expires_at > now


def peek_link(session: Session, *, token: str) -> Contact | None:
    """Whose link this is, without using it up: opening a link only shows the sign-in button, because
    mail scanners (Outlook Safe Links and the like) open links before the person does."""
    found = session.scalars(select(LoginToken).where(LoginToken.link_digest == digest(token))).one_or_none()
    if found is None or not _usable(found, CUSTOMER, utcnow()) or found.contact_id is None:
        return None
    return session.get(Contact, found.contact_id)


def redeem_link(work: Work, *, token: str) -> Contact | None:
    now = utcnow()
    found = work.session.scalars(
        select(LoginToken).where(LoginToken.link_digest == digest(token)).with_for_update()
    ).one_or_none()
    if found is None or not _usable(found, CUSTOMER, now) or found.contact_id is None:
        return None
    found.used_at = now
    work.session.flush()
    return work.session.get(Contact, found.contact_id)


def redeem_code(work: Work, *, email: str, code: str, box: SecretBox) -> Contact | None:
    """The newest live code of that contact, if `code` matches. A wrong guess counts; the fifth spends
    the code (not the link). Returns None (never raises) so that the caller commits the count."""
    try:
        contact = people.find_contact(work.session, normalise_email(email))
    except Invalid:
        return None
    typed = "".join(ch for ch in code if ch.isdigit())
    if contact is None or len(typed) != 6:
        return None
    now = utcnow()
    token = work.session.scalars(
        select(LoginToken)
        .where(
            LoginToken.contact_id == contact.id,
            LoginToken.purpose == CUSTOMER,
            LoginToken.used_at.is_(None),
            LoginToken.expires_at > now,
        )
        .order_by(LoginToken.id.desc())
        .limit(1)
        .with_for_update()
    ).one_or_none()
    if token is None or token.code_digest is None:
        return None
    if hmac.compare_digest(token.code_digest, _code_digest(box, typed)):
        token.used_at = now
        return contact
    token.failed_attempts += 1
    if token.failed_attempts >= MAX_CODE_ATTEMPTS:
        # Spend the code only: the link in the same mail still works, so guessing codes cannot
        # stop someone else from signing in.
        token.code_digest = None
    return None


# Sessions ----------------------------------------------------------------------------------------


def open_session(work: Work, *, contact: Contact | None = None, agent: Agent | None = None) -> str:
    """Returns the cookie value; only its digest is stored."""
    if (contact is None) == (agent is None):
        raise ValueError("a session belongs to one contact or one agent")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    work.session.add(
        WebSession(
            token_digest=digest(token),
            contact_id=contact.id if contact else None,
            agent_id=agent.id if agent else None,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_TTL,
        )
    )
    work.session.flush()
    return token


def find_session(session: Session, token: str) -> WebSession | None:
    if not token or len(token) > 100:
        return None
    found = session.scalars(select(WebSession).where(WebSession.token_digest == digest(token))).one_or_none()
    if found is None or found.expires_at <= utcnow():
        return None
    return found


def close_session(work: Work, *, token: str) -> None:
    work.session.execute(delete(WebSession).where(WebSession.token_digest == digest(token)))
    # A bulk delete is no ORM change: tell the signed-in agents' cache (`signed_in.AGENT_CACHE`).
    cache.invalidate(work.session, signed_in.AGENT_CACHE)


# Rate limits -------------------------------------------------------------------------------------


def bucket(kind: str, value: str) -> str:
    """A bucket name that stores no email or address in clear."""
    return f"{kind}:{digest(value.strip().lower())[:40]}"


def email_key(email: str) -> str:
    """The spelling the limiter counts an email under: the very normalisation the contact and agent
    lookups use (`normalise_email`), so that a full-width or otherwise look-alike spelling of one
    address counts against that address. What is not an address at all is folded the same way
    (NFKC, case-folded), so its variants still share one bucket."""
    try:
        return unicodedata.normalize("NFKC", normalise_email(email)).casefold()
    except Invalid:
        return unicodedata.normalize("NFKC", email or "-").strip().casefold()


def allow(work: Work, *, buckets: list[str], limit_of: dict[str, int], window: timedelta) -> bool:
    """Count one attempt in every bucket, unless one is already full (then count nothing)."""
    since = utcnow() - window
    for name in buckets:
        used = work.session.scalar(
            select(func.count()).where(RateEvent.bucket == name, RateEvent.created_at > since)
        )
        if int(used or 0) >= limit_of[name]:
            return False
    now = utcnow()
    work.session.add_all(RateEvent(bucket=name, created_at=now) for name in buckets)
    work.session.flush()
    return True


def allow_sign_in(work: Work, *, kind: str, email: str, address: str) -> bool:
    """Count a sign-in attempt of `kind` (mail, code, password) against its email and its address."""
    by_email, by_address = bucket(f"{kind}-email", email_key(email)), bucket(f"{kind}-ip", address)
    return allow(
        work,
        buckets=[by_email, by_address],
        limit_of={by_email: SIGN_IN_PER_EMAIL, by_address: SIGN_IN_PER_ADDRESS},
        window=SIGN_IN_WINDOW,
    )


def _sign_in_buckets(kind: str, email: str, address: str) -> dict[str, int]:
    return {
        bucket(f"{kind}-email", email or "-"): SIGN_IN_PER_EMAIL,
        bucket(f"{kind}-ip", address): SIGN_IN_PER_ADDRESS,
    }


def sign_in_open(session: Session, *, kind: str, email: str, address: str) -> bool:
    """False once the failures of `kind` (see `count_failed_sign_in`) fill the email's or the
    address's bucket. Counts nothing: a person who signs in correctly spends nothing."""
    since = utcnow() - SIGN_IN_WINDOW
    for name, limit in _sign_in_buckets(kind, email, address).items():
        used = session.scalar(
            select(func.count()).where(RateEvent.bucket == name, RateEvent.created_at > since)
        )
        if int(used or 0) >= limit:
            return False
    return True


def count_failed_sign_in(work: Work, *, kind: str, email: str, address: str) -> None:
    """One failed attempt against the email and the address (password sign-in counts only these)."""
    now = utcnow()
    work.session.add_all(
        RateEvent(bucket=name, created_at=now) for name in _sign_in_buckets(kind, email, address)
    )
    work.session.flush()


def purge_expired(session: Session, *, now: datetime | None = None) -> None:
    moment = now or utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at < moment))
    session.execute(delete(LoginToken).where(LoginToken.expires_at < moment - timedelta(days=1)))
    session.execute(delete(RateEvent).where(RateEvent.created_at < moment - timedelta(days=1)))


# First run ---------------------------------------------------------------------------------------


def has_admin(session: Session) -> bool:
    return (
        session.scalar(select(Agent.id).where(Agent.is_admin.is_(True), Agent.active.is_(True)).limit(1))
        is not None
    )


def issue_setup_link(work: Work) -> str:
    """A one-time token to create the first admin; earlier unused ones stop working."""
    now = utcnow()
    work.session.execute(
        update(LoginToken)
        .where(LoginToken.purpose == FIRST_ADMIN, LoginToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    work.session.add(
        LoginToken(purpose=FIRST_ADMIN, link_digest=digest(token), created_at=now, expires_at=now + SETUP_TTL)
    )
    work.session.flush()
    return token


def setup_link_valid(session: Session, token: str) -> bool:
    found = session.scalars(select(LoginToken).where(LoginToken.link_digest == digest(token))).one_or_none()
    return _usable(found, FIRST_ADMIN, utcnow()) and not has_admin(session)


def create_first_admin(work: Work, *, token: str, email: str, name: str, password: str) -> Agent:
    found = work.session.scalars(
        select(LoginToken).where(LoginToken.link_digest == digest(token)).with_for_update()
    ).one_or_none()
    if not _usable(found, FIRST_ADMIN, utcnow()) or found is None:
        raise Conflict("this set-up link has expired or was used; run `assistdesk serve` again for a new one")
    if has_admin(work.session):
        raise Conflict("an admin already exists; sign in instead")
    agent = people.add_agent(work, email=email, name=name, admin=True, password=password)
    found.used_at = utcnow()
    return agent
