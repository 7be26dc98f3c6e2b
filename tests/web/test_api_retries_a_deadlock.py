"""A write the database aborts to resolve a deadlock is run again from the start, whichever
statement it was on: the integrator sees one 201 and one comment, never a 500. The comment's INSERT
runs on the driver's cursor (db/driver.py), outside SQLAlchemy's execution path, so its errors must
reach the retry as SQLAlchemy's own do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from assistdesk.domain.tickets.models import Comment
from assistdesk.runtime import Runtime
from tests.web.conftest import Api

TICKET = {"org": "Acme", "reporter_email": "ann@acme.example", "title": "Login fails"}


@pytest.fixture
def first_comment_insert_deadlocks(runtime: Runtime, backend: str) -> Iterator[None]:
    """The first INSERT of a comment fails as a deadlock does. The count is a sequence: it survives
    the rollback of the transaction it failed."""
    statements = {
        "postgresql": [
            "CREATE SEQUENCE comment_attempts",
            "CREATE FUNCTION fail_first_comment() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF nextval('comment_attempts') = 1 THEN"
            " RAISE EXCEPTION 'deadlock (test)' USING ERRCODE = '40P01'; END IF; RETURN NEW; END $$",
            "CREATE TRIGGER fail_first_comment BEFORE INSERT ON comments"
            " FOR EACH ROW EXECUTE FUNCTION fail_first_comment()",
        ],
        "mariadb": [
            "CREATE SEQUENCE comment_attempts",
            "CREATE TRIGGER fail_first_comment BEFORE INSERT ON comments FOR EACH ROW BEGIN"
            " IF NEXTVAL(comment_attempts) = 1 THEN"
            " SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'deadlock (test)'; END IF; END",
        ],
    }.get(backend)
    if statements is None:
        pytest.skip("SQLite has no counter that outlives a rolled-back transaction")
    with runtime.db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    yield
    with runtime.db.engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("DROP TRIGGER fail_first_comment ON comments"))
            conn.execute(text("DROP FUNCTION fail_first_comment"))
        else:
            conn.execute(text("DROP TRIGGER fail_first_comment"))
        conn.execute(text("DROP SEQUENCE comment_attempts"))


def test_a_comment_that_deadlocked_once_is_written_once(
    api: Api, first_comment_insert_deadlocks: None
) -> None:
    assert api.agent.post("/tickets", json=TICKET).status_code == 201
    answer = api.agent.post("/tickets/SUP-1/comments", json={"body": "hello"})
    assert answer.status_code == 201, answer.text
    assert [c["body"] for c in api.agent.get("/tickets/SUP-1").json()["comments"]] == ["hello"]
    with api.runtime.db.reading() as session:
        assert session.execute(select(func.count()).select_from(Comment)).scalar_one() == 1
