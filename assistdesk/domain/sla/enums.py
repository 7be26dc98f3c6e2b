from __future__ import annotations

from enum import IntEnum, StrEnum


class SlaState(StrEnum):
    """A ticket's commitment as the REST API and the pages show it; derived, never stored."""

    NONE = "none"
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"


class Stage(IntEnum):
    """How far the announcements of one ticket have gone. Stored on the ticket and moved forward
    only by a conditional UPDATE, so each announcement is made once whatever the number of workers."""

    PENDING = 0
    WARNED = 1
    BREACHED = 2
