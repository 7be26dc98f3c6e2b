from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"
    # Every event asks who subscribes (assistdesk.db.cache).
    process_cache: ClassVar[str] = "webhook_subscribers"
    # SQLite: ids only grow, so a replayed dead letter never reaches a later subscriber (0008).
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Encrypted with the instance's secret key: it signs every delivery.
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def wants(self, event_name: str) -> bool:
        return self.active and (not self.events or event_name in self.events)
