"""The SQL of mail: receipts, threads, held mail and bouncing addresses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from assistdesk.bridge.mail.models import BouncingAddress, Direction, HeldMail, MailMessage, MailThread

__all__ = ["Direction"]
from assistdesk.db.base import table_of
from assistdesk.db.driver import DriverStatement
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import utcnow

_messages = table_of(MailMessage)
_held = table_of(HeldMail)
_threads = table_of(MailThread)


def claim(
    session: Session,
    *,
    message_id: str,
    direction: Direction,
    sender: str | None,
    ticket_id: int | None = None,
) -> bool:
    """Record a mail; False when its Message-ID was already taken (by us earlier, or by another
    worker at this moment: the loser waits for the winner's commit and inserts nothing)."""
    values = {
        "message_id": message_id[:191],
        "direction": direction.value,
        "sender": sender[:320] if sender else None,
        "ticket_id": ticket_id,
        "created_at": utcnow(),
    }
    return insert_ignore(session, _messages, values) == 1


def set_ticket(session: Session, *, message_id: str, ticket_id: int) -> None:
    session.execute(
        update(_messages).where(_messages.c.message_id == message_id[:191]).values(ticket_id=ticket_id)
    )


def ticket_of(session: Session, ids: Iterable[str]) -> int | None:
    """The ticket one of these mail ids belongs to (the nearest first)."""
    wanted = [i[:191] for i in ids][:50]
    if not wanted:
        return None
    rows = session.execute(
        select(MailMessage.message_id, MailMessage.ticket_id).where(
            MailMessage.message_id.in_(wanted), MailMessage.ticket_id.is_not(None)
        )
    ).all()
    by_id = {row.message_id: row.ticket_id for row in rows}
    for ident in wanted:
        if ident in by_id:
            return int(by_id[ident])
    return None


def received_since(session: Session, *, sender: str, since: datetime) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(MailMessage)
            .where(
                MailMessage.sender == sender,
                MailMessage.created_at >= since,
                MailMessage.direction == Direction.INBOUND.value,
            )
        ).scalar_one()
    )


class Thread(NamedTuple):
    """A ticket's mail thread as its readers use it: plain values, no ORM object (see `thread`)."""

    root_message_id: str
    locale: str | None
    follow: bool


# Built once, run on the driver's cursor (db/driver.DriverStatement): every public agent reply and
# status change reads its ticket's thread.
_THREAD = DriverStatement(
    select(_threads.c.root_message_id, _threads.c.locale, _threads.c.follow).where(
        _threads.c.ticket_id == bindparam("ticket_id")
    )
)


def thread(session: Session, ticket_id: int) -> Thread | None:
    """Read as a plain row: loading an ORM object cost more than the statement. Every write to
    `mail_threads` is flushed at once (`start_thread`, `set_follow`), so the row is current."""
    rows = _THREAD.rows(session.connection(), {"ticket_id": ticket_id})
    return Thread(*rows[0]) if rows else None


def start_thread(session: Session, *, ticket_id: int, root: str, locale: str | None) -> MailThread:
    found = session.get(MailThread, ticket_id)
    if found is not None:
        return found
    created = MailThread(ticket_id=ticket_id, root_message_id=root[:191], locale=locale, follow=False)
    session.add(created)
    session.flush()
    return created


def new_thread(session: Session, *, ticket_id: int, root: str, locale: str | None) -> None:
    """The thread of a ticket just opened by mail (it cannot have one yet)."""
    session.execute(
        insert(_threads).values(
            ticket_id=ticket_id, root_message_id=root[:191], locale=locale, follow=False, created_at=utcnow()
        )
    )


def open_thread(session: Session, *, ticket_id: int, root: str) -> bool:
    """Start the thread of a ticket that was not opened by mail, its root our first mail; False (and
    nothing written) when the ticket already has one."""
    values = {
        "ticket_id": ticket_id,
        "root_message_id": root[:191],
        "locale": None,
        "follow": False,
        "created_at": utcnow(),
    }
    return insert_ignore(session, _threads, values) == 1


def set_follow(session: Session, *, ticket_id: int, follow: bool, root: str, locale: str | None) -> None:
    found = start_thread(session, ticket_id=ticket_id, root=root, locale=locale)
    found.follow = follow
    session.flush()


def hold(
    session: Session, *, message_id: str, sender: str, sender_name: str, subject: str, reason: str, raw: bytes
) -> bool:
    values = {
        "message_id": message_id[:191],
        "sender": sender[:320],
        "sender_name": sender_name[:200],
        "subject": subject[:255],
        "reason": reason,
        "size": len(raw),
        "raw": raw,
        "created_at": utcnow(),
    }
    return insert_ignore(session, _held, values) == 1


def held(session: Session, *, limit: int = 100) -> Sequence[HeldMail]:
    return session.scalars(select(HeldMail).order_by(HeldMail.id.desc()).limit(limit)).all()


def get_held(session: Session, held_id: int) -> HeldMail | None:
    return session.get(HeldMail, held_id)


def discard(session: Session, held_id: int) -> bool:
    return bool(session.execute(delete(HeldMail).where(HeldMail.id == held_id)).rowcount)  # type: ignore[attr-defined]


def mark_bouncing(session: Session, *, emails: Iterable[str], reason: str) -> None:
    for email in emails:
        found = session.get(BouncingAddress, email[:320])
        if found is None:
            session.add(BouncingAddress(email=email[:320], reason=reason[:255], bounced_at=utcnow()))
        else:
            found.bounced_at = utcnow()
    session.flush()


def bouncing(session: Session, emails: Iterable[str]) -> set[str]:
    wanted = list(emails)
    if not wanted:
        return set()
    return set(session.scalars(select(BouncingAddress.email).where(BouncingAddress.email.in_(wanted))).all())
