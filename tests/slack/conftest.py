from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests import databases
from tests.slack.harness import SlackWorld, world


@pytest.fixture(scope="module")
def _slack_world(_provisioned: tuple[databases.ProvisionedDatabase, Engine]) -> Iterator[SlackWorld]:
    database, engine = _provisioned
    with world(database.url, engine) as w:
        yield w


@pytest.fixture
def slack(_slack_world: SlackWorld) -> Iterator[SlackWorld]:
    """The app serving /slack/events with its worker, a fake Slack, and an empty database."""
    _slack_world.reset()
    yield _slack_world
