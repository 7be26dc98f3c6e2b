"""What every command shares: the runtime, one-line errors, output."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer

from assistdesk.db.uow import UnitOfWork
from assistdesk.runtime import Runtime, build_runtime
from assistdesk.settings import Settings

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
    a fresh or outdated database)."""
    rt = build_runtime(Settings())
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
