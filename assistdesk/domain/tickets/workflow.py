"""The status workflow.

    open ⇄ in_progress ⇄ waiting_on_customer → resolved → closed
      ↖________________________________________↙ (reopen)

Any of the first three may move to any other of them or to `resolved`; a resolved ticket is closed or
reopened; `closed` is final (a new problem is a new ticket). A customer's public reply on a ticket
that waits on them or was resolved puts it back to `open`.
"""

from __future__ import annotations

from assistdesk.domain.tickets.enums import Status
from assistdesk.errors import Conflict

_WORKING = {Status.OPEN, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    **{s: frozenset((_WORKING | {Status.RESOLVED}) - {s}) for s in _WORKING},
    Status.RESOLVED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

REOPENED_BY_CUSTOMER = frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED})


def check_transition(key: str, current: Status, target: Status) -> None:
    if target is current:
        return
    if target not in TRANSITIONS[current]:
        if current is Status.CLOSED:
            raise Conflict(
                f"{key} is closed; closed tickets cannot change (open a new request)", field="status"
            )
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current]))
        raise Conflict(
            f"{key} cannot go from {current.value} to {target.value} (allowed: {allowed})", field="status"
        )
