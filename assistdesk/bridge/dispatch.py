"""Routes domain events to subscribers, inside the transaction that raised them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.events import DomainEvent

E = TypeVar("E", bound=DomainEvent)
Subscriber = Callable[[UnitOfWork, Any], None]


class EventRouter:
    def __init__(self) -> None:
        self._subscribers: dict[type[DomainEvent], list[Subscriber]] = defaultdict(list)

    def subscribe(self, event_type: type[E], subscriber: Callable[[UnitOfWork, E], None]) -> None:
        """`subscriber` also receives subclasses of `event_type`."""
        self._subscribers[event_type].append(subscriber)

    def event_types(self) -> set[type[DomainEvent]]:
        """The event types something is subscribed to."""
        return {klass for klass, subscribers in self._subscribers.items() if subscribers}

    def publish(self, uow: UnitOfWork, events: Sequence[Any]) -> None:
        for event in events:
            for klass in type(event).__mro__:
                for subscriber in self._subscribers.get(klass, ()):
                    subscriber(uow, event)
