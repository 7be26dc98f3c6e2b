"""What every Lark use case needs, and how its outbox jobs are named and addressed.

Destinations are the unit of ordering and pacing (5 messages a second per group, Lark's limit).
Ephemeral cards get a destination of their own inside the group: Lark limits them separately (40 QPS
per group, https://open.larksuite.com/document/ukTMukTMukTM/uETOyYjLxkjM24SM5IjN), and a burst of
ticket updates to the group must not keep someone waiting for the form they just asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistdesk.bridge.chat import ChatPlace
from assistdesk.db.uow import Database, UnitOfWork
from assistdesk.domain.links.models import ChatPlatform
from assistdesk.i18n import Catalogs, Translator, normalise
from assistdesk.outbox.enqueue import enqueue
from assistdesk.outbox.jobs import NewJob, destination_key, idempotency_key
from assistdesk.platforms.lark.cards import Card

if TYPE_CHECKING:
    from assistdesk.platforms.lark.client import LarkApi

CHANNEL = "lark"
PLATFORM = ChatPlatform.LARK.value
DOMAIN = "lark"  # the translation catalog

# Job kinds: what the delivery handler does with each.
EPHEMERAL = "lark.ephemeral"  # send an ephemeral card already rendered
FORM = "lark.form"  # look the person up, then send the request form (rendered at delivery)
DELETE_EPHEMERAL = "lark.delete_ephemeral"
REPLY = "lark.reply"  # a card in the thread of a message
SEND = "lark.send"  # a card to a chat (direct messages)
PATCH = "lark.patch"  # replace a card we posted
IDENTIFY = "lark.identify"  # ask the contact API who wrote in a thread (name, email)


def default_locale(domain: str) -> str:
    """A tenant's language when Lark does not tell the user's: Feishu tenants read Chinese."""
    return "zh_Hans" if "feishu.cn" in domain else "en"


@dataclass
class LarkContext:
    db: Database
    catalogs: Catalogs
    public_url: str
    prefix: str
    fallback_locale: str
    connect: Callable[[], LarkApi]  # builds the Open API client: importing lark-oapi takes seconds
    _api: LarkApi | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def api(self) -> LarkApi:
        """Built on first use, so CLI commands that never call Lark never import lark-oapi."""
        if self._api is None:
            with self._lock:
                if self._api is None:
                    self._api = self.connect()
        return self._api

    def locale(self, *candidates: str | None) -> str:
        for raw in candidates:
            found = normalise(raw)
            if found:
                return found
        return self.fallback_locale

    def translator(self, locale: str | None) -> Translator:
        return self.catalogs.translator(self.locale(locale), DOMAIN)

    @property
    def features_url(self) -> str:
        return f"{self.public_url}/help/features"


def place_of(tenant_key: str, chat_id: str) -> ChatPlace:
    return ChatPlace(ChatPlatform.LARK, tenant_key, chat_id)


def group(place: ChatPlace) -> str:
    return destination_key(CHANNEL, place.workspace or "-", place.channel)


def ephemeral_lane(place: ChatPlace) -> str:
    return destination_key(CHANNEL, place.workspace or "-", place.channel, "ephemeral")


def job(destination: str, kind: str, payload: dict[str, Any], *key: object) -> NewJob:
    """`key` identifies the cause (an event id, …): the same on every retry, it is Lark's `uuid`."""
    return NewJob(destination, kind, payload, idempotency_key(CHANNEL, kind, *key))


def tell(uow: UnitOfWork, place: ChatPlace, open_id: str, card: Card, *key: object) -> None:
    """An ephemeral card for one person in a group."""
    payload = {"chat_id": place.channel, "open_id": open_id, "card": card}
    enqueue(uow, [job(ephemeral_lane(place), EPHEMERAL, payload, *key)])


def place_of_destination(destination: str) -> ChatPlace:
    """Inverse of `group` and `ephemeral_lane`: `lark:<tenant>:<chat>[:ephemeral]`."""
    _, tenant, chat_id = destination.split(":")[:3]
    return place_of("" if tenant == "-" else tenant, chat_id)
