from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.domain.events import Work
from assistdesk.domain.webhooks.models import WebhookSubscription
from assistdesk.errors import Invalid, NotFound

EVENT_NAMES = (
    "ticket.created",
    "ticket.status_changed",
    "ticket.severity_changed",
    "ticket.assigned",
    "comment.added",
    "comment.edited",
    "comment.deleted",
    "ticket.sla_warning",
    "ticket.sla_breached",
)
# The process cache of active subscribers (assistdesk.db.cache): every event asks who wants it.
CACHE = WebhookSubscription.process_cache


@dataclass(frozen=True)
class Subscriber:
    """An active subscription as plain values, safe to keep between transactions."""

    id: int
    events: frozenset[str]

    def wants(self, event_name: str) -> bool:
        return not self.events or event_name in self.events


def _check_url(url: str) -> str:
    clean = (url or "").strip()
    parts = urlsplit(clean)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(clean) > 2000:
        raise Invalid(f"{url!r} is not an http(s) URL", field="url")
    return clean


def add_webhook(
    work: Work, *, url: str, secret_ciphertext: str, events: Iterable[str] = ()
) -> WebhookSubscription:
    wanted = sorted({e.strip() for e in events if e.strip()})
    unknown = [e for e in wanted if e not in EVENT_NAMES]
    if unknown:
        raise Invalid(f"unknown event {unknown[0]!r} (choose from: {', '.join(EVENT_NAMES)})", field="events")
    hook = WebhookSubscription(url=_check_url(url), secret_ciphertext=secret_ciphertext, events=wanted)
    work.session.add(hook)
    work.session.flush()
    return hook


def list_webhooks(session: Session, *, active_only: bool = False) -> Sequence[WebhookSubscription]:
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if active_only:
        stmt = stmt.where(WebhookSubscription.active.is_(True))
    return session.scalars(stmt).all()


def active_subscribers(session: Session) -> tuple[Subscriber, ...]:
    return tuple(
        Subscriber(hook.id, frozenset(hook.events or ())) for hook in list_webhooks(session, active_only=True)
    )


def get_webhook(session: Session, webhook_id: int) -> WebhookSubscription:
    hook = session.get(WebhookSubscription, webhook_id)
    if hook is None:
        raise NotFound(f"no webhook #{webhook_id}")
    return hook


def remove_webhook(work: Work, *, webhook_id: int) -> None:
    work.session.delete(get_webhook(work.session, webhook_id))
    work.session.flush()
