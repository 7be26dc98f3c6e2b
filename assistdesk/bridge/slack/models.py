"""Slack's own tables: installations (bot tokens, encrypted) and request-form drafts.

Platform ids live here and in the links tables, never on tickets (STYLE.md §8).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from assistdesk.db.base import Base
from assistdesk.db.types import BigID, UTCDateTime, utcnow

LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
SLACK_ID = 32


class SlackInstallation(Base):
    """A workspace (or Enterprise Grid org) that installed the app through OAuth.

    The bot token is encrypted with ASSISTDESK_SECRET_KEY (SecretBox); `bot_id` comes from auth.test
    at install time, because oauth.v2.access does not return it and Bolt needs it to drop our own
    events without calling auth.test on every request.
    """

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id"),)

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[str] = mapped_column(String(SLACK_ID), default="")
    team_id: Mapped[str] = mapped_column(String(SLACK_ID), default="")
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    team_name: Mapped[str] = mapped_column(String(200), default="")
    app_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    bot_user_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    bot_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    bot_token_ciphertext: Mapped[str | None] = mapped_column(Text)
    installer_user_id: Mapped[str | None] = mapped_column(String(SLACK_ID))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlackDraft(Base):
    """What a 🎫 prompt's form is prefilled with, stored when the prompt is sent.

    The button's click brings a trigger_id that expires in 3 seconds (slack.md §3.3): the form must
    open without first asking Slack for the message or the profile, so both are kept here.
    """

    __tablename__ = "slack_drafts"
    __table_args__ = (
        UniqueConstraint("workspace", "channel", "message_ts", "user_id"),
        Index(None, "created_at"),
    )

    id: Mapped[int] = mapped_column(BigID, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(191))
    message_ts: Mapped[str] = mapped_column(String(SLACK_ID))
    # The thread the request will live in: the message itself, or its parent when it is a reply.
    thread_ts: Mapped[str] = mapped_column(String(SLACK_ID))
    user_id: Mapped[str] = mapped_column(String(191))
    text: Mapped[str] = mapped_column(LongText, default="")
    permalink: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
