from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests import databases
from tests.conftest import empty_tables
from tests.slack.harness import SlackWorld, world


@pytest.fixture(scope="module")
def _slack_world(_provisioned: tuple[databases.ProvisionedDatabase, Engine]) -> Iterator[SlackWorld]:
    database, engine = _provisioned
    with world(database.url, engine) as w:
        yield w


@pytest.fixture
def slack(_slack_world: SlackWorld) -> SlackWorld:
    """The app serving /slack/events with its worker, a fake Slack, and an empty database."""
    _slack_world.reset()
    return _slack_world


@pytest.fixture
def provisioned(
    _provisioned: tuple[databases.ProvisionedDatabase, Engine],
) -> tuple[databases.ProvisionedDatabase, Engine]:
    """The backend's database and engine, for tests that run their own app (tables emptied)."""
    empty_tables(_provisioned[1])
    return _provisioned
