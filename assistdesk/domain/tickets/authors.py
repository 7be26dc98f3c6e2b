"""Who wrote something: the author value every surface passes to the ticket use cases."""

from __future__ import annotations

from dataclasses import dataclass

from assistdesk.domain.people.models import Agent, Contact
from assistdesk.domain.tickets.enums import AuthorKind


@dataclass(frozen=True)
class Author:
    """Who wrote something. A chat author matched to a contact is that contact."""

    kind: AuthorKind
    name: str
    email: str | None = None
    contact_id: int | None = None
    agent_id: int | None = None
    chat_identity_id: int | None = None

    @classmethod
    def of_contact(cls, contact: Contact, *, chat_identity_id: int | None = None) -> Author:
        return cls(
            AuthorKind.CONTACT,
            contact.display_name,
            contact.email,
            contact_id=contact.id,
            chat_identity_id=chat_identity_id,
        )

    @classmethod
    def of_agent(cls, agent: Agent) -> Author:
        return cls(AuthorKind.AGENT, agent.display_name, agent.email, agent_id=agent.id)

    @classmethod
    def of_chat(cls, *, chat_identity_id: int, display_name: str) -> Author:
        return cls(AuthorKind.CHAT, display_name or "unknown", None, chat_identity_id=chat_identity_id)

    @property
    def is_customer(self) -> bool:
        return self.kind in (AuthorKind.CONTACT, AuthorKind.CHAT)
