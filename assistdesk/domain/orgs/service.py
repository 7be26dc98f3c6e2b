"""Organization use cases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from assistdesk.db.cache import cached_row
from assistdesk.db.types import utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.orgs.enums import Feature, FeatureState, Plan, RequestStatus
from assistdesk.domain.orgs.events import (
    FeatureDisabled,
    FeatureEnabled,
    FeatureRequestDecided,
    FeatureRequested,
    OrganizationCreated,
    PlanChanged,
)
from assistdesk.domain.orgs.models import FeatureGrant, FeatureRequest, Organization, OrganizationDomain
from assistdesk.domain.sla import clock
from assistdesk.domain.sla.hours import parse_country, parse_timezone
from assistdesk.domain.text import clean_line, clean_text, normalise_domain
from assistdesk.errors import Conflict, Invalid, NotFound

MAX_NAME = 200


def parse_plan(raw: str) -> Plan:
    try:
        return Plan((raw or "").strip().lower())
    except ValueError:
        choices = ", ".join(p.value for p in Plan)
        raise Invalid(f"unknown plan {raw!r} (choose one of: {choices})", field="plan") from None


def parse_feature(raw: str) -> Feature:
    try:
        return Feature((raw or "").strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in Feature)
        raise Invalid(f"unknown feature {raw!r} (choose one of: {choices})", field="feature") from None


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _loaded() -> tuple[object, ...]:
    return (
        selectinload(Organization.domains),
        selectinload(Organization.grants),
        selectinload(Organization.requests),
    )


def find_org(session: Session, name: str) -> Organization | None:
    """Domains, grants and requests load when first read; most callers need only id and name."""
    stmt = select(Organization).where(Organization.name_key == name_key(name))
    return session.scalars(stmt).one_or_none()


def get_org(session: Session, name: str) -> Organization:
    org = find_org(session, name)
    if org is None:
        raise NotFound(f"no organization named {name!r}", field="org")
    return org


def get_org_cached(session: Session, name: str) -> Organization:
    """`get_org`, from the process cache when this process found the same organization within the
    last second (assistdesk.db.cache): for paths that only read it, such as opening a ticket."""
    org = cached_row(session, Organization, name_key(name), lambda: find_org(session, name))
    if org is None:
        raise NotFound(f"no organization named {name!r}", field="org")
    return org


def get_org_by_id(session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"no organization #{organization_id}")
    return org


def list_orgs(session: Session) -> Sequence[Organization]:
    stmt = select(Organization).order_by(Organization.name_key).options(*_loaded())  # type: ignore[arg-type]
    return session.scalars(stmt).all()


def org_for_email_domain(session: Session, domain: str) -> Organization | None:
    stmt = select(Organization).join(OrganizationDomain).where(OrganizationDomain.domain == domain.lower())
    return session.scalars(stmt).one_or_none()


def create_org(
    work: Work,
    *,
    name: str,
    plan: str,
    domains: Iterable[str] = (),
    timezone: str = "UTC",
    holidays: str | None = None,
) -> Organization:
    clean = clean_line(name, field="name", max_length=MAX_NAME)
    chosen = parse_plan(plan)
    zone, country = parse_timezone(timezone), parse_country(holidays)
    session = work.session
    if find_org(session, clean) is not None:
        raise Conflict(f"an organization named {clean!r} already exists", field="name")
    org = Organization(
        name=clean, name_key=name_key(clean), plan=chosen.value, timezone=zone, holidays=country
    )
    session.add(org)
    session.flush()
    add_domains(work, org=org, domains=domains)
    work.emit(OrganizationCreated(organization_id=org.id))
    return org


def add_domains(work: Work, *, org: Organization, domains: Iterable[str]) -> None:
    session = work.session
    wanted = sorted({normalise_domain(d) for d in domains})
    for domain in wanted:
        owner = org_for_email_domain(session, domain)
        if owner is not None and owner.id != org.id:
            raise Conflict(f"domain {domain} already belongs to {owner.name!r}", field="domains")
        if owner is None:
            org.domains.append(OrganizationDomain(domain=domain))
    session.flush()


def remove_domain(work: Work, *, org: Organization, domain: str) -> None:
    clean = normalise_domain(domain)
    for row in list(org.domains):
        if row.domain == clean:
            org.domains.remove(row)
            work.session.flush()
            return
    raise NotFound(f"{org.name!r} has no domain {clean}", field="domains")


def set_plan(work: Work, *, org: Organization, plan: str) -> Organization:
    new = parse_plan(plan)
    old = org.plan_enum
    if new is old:
        return org
    before = {f: org.feature_state(f) for f in Feature}
    org.plan = new.value
    after = {f: org.feature_state(f) for f in Feature}
    suspended = tuple(
        f.value for f in Feature if before[f] is FeatureState.ENABLED and after[f] is FeatureState.SUSPENDED
    )
    restored = tuple(
        f.value for f in Feature if before[f] is FeatureState.SUSPENDED and after[f] is FeatureState.ENABLED
    )
    work.session.flush()
    clock.reschedule_org(work.session, org)
    work.emit(
        PlanChanged(
            organization_id=org.id,
            old_plan=old.value,
            new_plan=new.value,
            suspended=suspended,
            restored=restored,
        )
    )
    return org


def _require_plan(org: Organization, feature: Feature) -> None:
    if not feature.allowed_on(org.plan_enum):
        raise Conflict(
            f"{org.name!r} is on the {org.plan} plan; {feature.value} needs the "
            f"{feature.minimum_plan.value} plan or above",
            field="plan",
        )


def enable_feature(work: Work, *, org: Organization, feature: str, by_email: str | None = None) -> None:
    chosen = parse_feature(feature)
    _require_plan(org, chosen)
    grant = next((g for g in org.grants if g.feature == chosen.value), None)
    if grant is None:
        org.grants.append(FeatureGrant(feature=chosen.value, enabled=True))
    elif not grant.enabled:
        grant.enabled = True
        grant.changed_at = utcnow()
    for request in org.requests:
        if request.feature == chosen.value and request.status == RequestStatus.PENDING.value:
            _decide(work, org, request, RequestStatus.APPROVED, by_email, "")
    work.session.flush()
    work.emit(FeatureEnabled(organization_id=org.id, feature=chosen.value))


def disable_feature(work: Work, *, org: Organization, feature: str) -> None:
    chosen = parse_feature(feature)
    grant = next((g for g in org.grants if g.feature == chosen.value), None)
    if grant is None or not grant.enabled:
        return
    grant.enabled = False
    grant.changed_at = utcnow()
    work.session.flush()
    work.emit(FeatureDisabled(organization_id=org.id, feature=chosen.value))


def request_feature(
    work: Work, *, org: Organization, feature: str, requested_by_email: str | None, note: str = ""
) -> FeatureRequest:
    """A customer asks for a chat feature. Asking twice returns the pending request."""
    chosen = parse_feature(feature)
    _require_plan(org, chosen)
    state = org.feature_state(chosen)
    if state is FeatureState.ENABLED:
        raise Conflict(f"{chosen.value} is already enabled for {org.name!r}", field="feature")
    for request in org.requests:
        if request.feature == chosen.value and request.status == RequestStatus.PENDING.value:
            return request
    request = FeatureRequest(
        feature=chosen.value,
        status=RequestStatus.PENDING.value,
        requested_by_email=requested_by_email,
        note=clean_text(note, field="note", max_length=2000),
    )
    org.requests.append(request)
    work.session.flush()
    work.emit(FeatureRequested(organization_id=org.id, feature=chosen.value, request_id=request.id))
    return request


def get_request(session: Session, request_id: int) -> FeatureRequest:
    request = session.get(FeatureRequest, request_id)
    if request is None:
        raise NotFound(f"no enablement request #{request_id}")
    return request


def pending_requests(session: Session) -> Sequence[FeatureRequest]:
    stmt = (
        select(FeatureRequest)
        .where(FeatureRequest.status == RequestStatus.PENDING.value)
        .order_by(FeatureRequest.id)
    )
    return session.scalars(stmt).all()


def decide_request(
    work: Work, *, request_id: int, approve: bool, by_email: str | None, note: str = ""
) -> FeatureRequest:
    request = get_request(work.session, request_id)
    org = get_org_by_id(work.session, request.organization_id)
    if request.status != RequestStatus.PENDING.value:
        raise Conflict(f"request #{request_id} was already {request.status}")
    if approve:
        _require_plan(org, Feature(request.feature))
        enable_feature(work, org=org, feature=request.feature, by_email=by_email)
        return request
    _decide(work, org, request, RequestStatus.DENIED, by_email, note)
    work.session.flush()
    return request


def _decide(
    work: Work,
    org: Organization,
    request: FeatureRequest,
    status: RequestStatus,
    by_email: str | None,
    note: str,
) -> None:
    request.status = status.value
    request.decided_by_email = by_email
    request.decision_note = clean_text(note, field="note", max_length=2000)
    request.decided_at = utcnow()
    work.emit(
        FeatureRequestDecided(
            organization_id=org.id, feature=request.feature, request_id=request.id, status=status.value
        )
    )


def decided_requests(session: Session, *, limit: int = 50) -> Sequence[FeatureRequest]:
    """The most recently decided enablement requests, newest decision first."""
    stmt = (
        select(FeatureRequest)
        .where(FeatureRequest.status != RequestStatus.PENDING.value)
        .order_by(FeatureRequest.decided_at.desc(), FeatureRequest.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def annotate_decision(work: Work, *, request: FeatureRequest, note: str) -> None:
    """Attach the deciding operator's note to a decided request (an approval decides through
    `enable_feature`, which takes none); the customer sees it beside the decision."""
    if request.status == RequestStatus.PENDING.value:
        raise Conflict(f"request #{request.id} is not decided yet")
    request.decision_note = clean_text(note, field="note", max_length=2000)
    work.session.flush()


def count_orgs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Organization)) or 0)


def set_timezone(
    work: Work, *, org: Organization, timezone: str, holidays: str | None = None
) -> Organization:
    """The organization's business-hours calendar; unanswered tickets get their due time again."""
    zone, country = parse_timezone(timezone), parse_country(holidays)
    org.timezone = zone
    org.holidays = country
    work.session.flush()
    clock.reschedule_org(work.session, org)
    return org
