"""What every command shares: the runtime, one-line errors, output."""

from __future__ import annotations

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
