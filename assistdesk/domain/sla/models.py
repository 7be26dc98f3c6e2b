from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow


class SlaTarget(Base):
    """An operator's override of one cell of the plan page's table. No row: the plan page's default;
    a row with no seconds: explicitly no target."""

    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("plan", "severity"),)
    # Every ticket created or rescheduled reads the targets; a write here empties the process cache.
    process_cache: ClassVar[str] = "sla_targets"

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    plan: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(4))
    seconds: Mapped[int | None] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
