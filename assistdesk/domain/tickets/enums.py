from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Severity(StrEnum):
    S1 = "S1"  # critical
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"  # question

    @classmethod
    def default(cls) -> Severity:
        return cls.S3


class TicketSource(StrEnum):
    SLACK = "slack"
    LARK = "lark"
    PORTAL = "portal"
    EMAIL = "email"
    API = "api"


class CommentSource(StrEnum):
    """Where a comment was written (INTERFACE.md): `console` is the agent console."""

    SLACK = "slack"
    LARK = "lark"
    PORTAL = "portal"
    CONSOLE = "console"
    EMAIL = "email"
    API = "api"


class AuthorKind(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    CHAT = "chat"  # an unverified chat identity, known only by its display name
