"""A write the database aborts to resolve a deadlock is run again from the start, whichever
statement it was on: the integrator sees one 201 and one comment, never a 500. The comment's INSERT
runs on the driver's cursor (db/driver.py), outside SQLAlchemy's execution path, so its errors must
reach the retry as SQLAlchemy's own do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from assistdesk.domain.tickets.models import Comment
from assistdesk.runtime import Runtime
from tests.deadlocks import deadlock_once
from tests.web.conftest import Api

TICKET = {"org": "Acme", "reporter_email": "ann@acme.example", "title": "Login fails"}


@pytest.fixture
def first_comment_insert_deadlocks(runtime: Runtime, backend: str) -> Iterator[None]:
    with deadlock_once(runtime.db.engine, backend, table="comments", on="INSERT"):
        yield


def test_a_comment_that_deadlocked_once_is_written_once(
    api: Api, first_comment_insert_deadlocks: None
) -> None:
    assert api.agent.post("/tickets", json=TICKET).status_code == 201
    answer = api.agent.post("/tickets/SUP-1/comments", json={"body": "hello"})
    assert answer.status_code == 201, answer.text
    assert [c["body"] for c in api.agent.get("/tickets/SUP-1").json()["comments"]] == ["hello"]
    with api.runtime.db.reading() as session:
        assert session.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
