"""What every command shares: the runtime, one-line errors, output."""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

import typer

from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings

if TYPE_CHECKING:
    from assistdesk.db.uow import UnitOfWork

T = TypeVar("T")


def configure_logging(level: str = "WARNING") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@contextmanager
def runtime() -> Iterator[Runtime]:
    """Settings from the environment, database migrated first (INTERFACE.md: every command works on
    a fresh or outdated database). The channels are installed only if the command raises a domain
    event (runtime.Runtime.publish): most commands never load them."""
    rt = build_runtime(Settings(), channels=False)
    try:
        yield rt
    finally:
        rt.db.dispose()


def write(work: Callable[[UnitOfWork], T]) -> T:
    with runtime() as rt:
        return rt.db.run(work)


def say(message: str) -> None:
    typer.echo(message)


def note(message: str) -> None:
    typer.echo(message, err=True)


def freeze_startup_heap() -> None:
    """Keep what a long-running process built before serving out of the garbage collector's scans.

    Imports, the app and the runtime are ~170,000 objects that live as long as the process. Each
    full (oldest-generation) collection walked all of them: 100–240 ms with everything stopped,
    about once per 10 s at 50 REST writes/s with the worker inside `serve`, which set the p99 of
    comment -> Slack. Frozen (`gc.freeze`), a full collection walks only what came later. Startup
    garbage is collected first, so nothing unreachable is kept for good."""
    gc.collect()
    gc.freeze()
