from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.sink import Sink


@pytest.fixture
def sink() -> Iterator[Sink]:
    s = Sink()
    yield s
    s.close()
