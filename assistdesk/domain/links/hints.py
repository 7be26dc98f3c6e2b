"""Private hints already given: one per ticket thread and person.

On a plan without two-way sync (Enterprise), a person replying in a ticket's thread is told once,
privately, that the reply does not reach support. Remembered in the database (not in a process, and
not with the inbound receipts, which are pruned after a day), so the hint stays single across
processes, restarts and weeks; deleting the thread (its ticket) forgets it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base, table_of
from assistdesk.db.sql import insert_ignore
from assistdesk.db.types import BigID, UTCDateTime, utcnow
from assistdesk.domain.events import Work
from assistdesk.domain.links.models import PLATFORM_ID


class ChatHint(Base):
    __tablename__ = "chat_hints"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("ticket_threads.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(PLATFORM_ID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def claim_hint(work: Work, *, thread_id: int, user_id: str) -> bool:
    """True the first time `user_id` is to be hinted in the thread; False ever after (also when two
    replies of the same person arrive at the same moment: the second waits for the first's claim)."""
    values = {"thread_id": thread_id, "user_id": user_id[:PLATFORM_ID], "created_at": utcnow()}
    return insert_ignore(work.session, table_of(ChatHint), values) == 1
