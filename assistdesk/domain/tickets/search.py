"""Text search over tickets, with one meaning on every database and each database's own text index.

Meaning: the query is split on white space into words (at most `MAX_WORDS`); a ticket matches when
every word occurs in its title or its description, as a substring, ignoring case — so Japanese, which
has no spaces, matches inside sentences ("満杯" finds "ディスクが満杯です"). A word shaped like a key
("SUP-12", any case) also finds the ticket with that key.

The indexes are made by migration 0004 (they are not modelled: each database spells them its own way):

- PostgreSQL: a GIN trigram index (pg_trgm) on `title || ' ' || description`; ILIKE uses it for
  words of three characters or more, in any script, provided the database's LC_CTYPE is a UTF-8
  locale (in the plain C locale non-ASCII letters make no trigrams and those searches scan).
- SQLite: an FTS5 table with the trigram tokenizer, external content `tickets`, kept in step by
  triggers. FTS5 matches no phrase shorter than three characters, so shorter words scan with LIKE.
- MySQL/MariaDB: an InnoDB FULLTEXT index on (title, description), used for ASCII words of three
  characters or more that are not InnoDB stopwords. FULLTEXT knows words, not substrings: there such
  a word matches the *start* of a word ("disk" finds "disks", not "harddisk"). Every other word
  (Japanese, short, with punctuation) is a LIKE substring match, which scans the tickets the other
  filters leave; MariaDB has no n-gram parser for Japanese.
- TiDB, or a server where the index could not be made: LIKE everywhere (same answers, no index).

Cost: a page of results is found in two steps with bounded costs (`newest_matching`): the newest
candidates first, then the text index for what they lack. The one case no index helps is a query
whose every word has fewer than three letters or digits in a row (common in Japanese: "障害") and
that few tickets hold: every candidate is read (0.7 s for 1,000,000 tickets on PostgreSQL, see
bench/results-help.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, FromClause, column, func, literal_column, or_, select, table
from sqlalchemy import text as sql
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Session

from assistdesk.db.base import table_of
from assistdesk.domain.tickets.enums import Status
from assistdesk.domain.tickets.models import Ticket

MAX_WORDS = 8
MAX_WORD_LENGTH = 100
# How many of the newest candidates a search reads before it turns to the text index (see
# newest_matching): a word held by more than limit/WINDOW of recent tickets fills its page from them.
WINDOW = 3000
_KEY_SHAPE = re.compile(r"^[A-Za-z][A-Za-z0-9]*-[0-9]+$")
_ESCAPE = "!"

# Names shared with migration 0004 (which may not import this module).
POSTGRESQL_INDEX = "ix_tickets_search_trgm"
POSTGRESQL_UNASSIGNED_INDEX = "ix_tickets_unassigned_status_id"  # partial: WHERE assignee_id IS NULL
MYSQL_INDEX = "ix_tickets_search_fulltext"
SQLITE_TABLE = "tickets_fts"

_TICKETS = table_of(Ticket)
_FTS = table(SQLITE_TABLE, column("rowid"))
_SPACE: ColumnElement[str] = literal_column("' '")

# InnoDB's default stopwords (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD) and its shortest token:
# a required stopword or a shorter word would make MATCH find nothing, so those go to LIKE.
_INNODB_STOPWORDS = frozenset(
    {
        *("a", "about", "an", "are", "as", "at", "be", "by", "com", "de", "en", "for", "from", "how"),
        *("i", "in", "is", "it", "la", "of", "on", "or", "that", "the", "this", "to", "was", "what"),
        *("when", "where", "who", "will", "with", "und", "www"),
    }
)
_TRIGRAM = re.compile(r"[^\W_]{3}")
_FULLTEXT_WORD = re.compile(r"^[A-Za-z0-9]{3,84}$")
_HAS_TEXT_INDEX = "assistdesk_tickets_text_index"
_MYSQL_INDEX_EXISTS = sql(
    "SELECT 1 FROM information_schema.statistics"
    " WHERE table_schema = DATABASE() AND table_name = 'tickets' AND index_name = :name LIMIT 1"
).bindparams(name=MYSQL_INDEX)
_SQLITE_TABLE_EXISTS = sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name").bindparams(
    name=SQLITE_TABLE
)


_CONTROLS = dict.fromkeys((*range(32), 127), " ")


def words_of(query: str | None) -> list[str]:
    """The words a query searches for; empty when there is nothing to search. Control characters
    separate words (PostgreSQL refuses a NUL in any text parameter)."""
    chosen: dict[str, str] = {}
    for word in (query or "")[: MAX_WORDS * (MAX_WORD_LENGTH + 1)].translate(_CONTROLS).split():
        chosen.setdefault(word[:MAX_WORD_LENGTH].casefold(), word[:MAX_WORD_LENGTH])
        if len(chosen) == MAX_WORDS:
            break
    return list(chosen.values())


def filter_conditions(
    *,
    organization_id: int | None = None,
    statuses: Iterable[Status] = (),
    reporter_id: int | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a list or a queue, but its text."""
    conditions: list[ColumnElement[bool]] = []
    if organization_id is not None:
        conditions.append(Ticket.organization_id == organization_id)
    wanted = sorted({s.value for s in statuses})
    if len(wanted) == 1:
        conditions.append(Ticket.status == wanted[0])
    elif wanted:
        conditions.append(Ticket.status.in_(wanted))
    if reporter_id is not None:
        conditions.append(Ticket.reporter_id == reporter_id)
    if assignee_id is not None:
        conditions.append(Ticket.assignee_id == assignee_id)
    if unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    return conditions


def newest_matching(
    session: Session,
    *,
    filters: list[ColumnElement[bool]],
    words: list[str],
    before_id: int | None,
    limit: int,
    window: int = WINDOW,
) -> Sequence[Ticket]:
    """The newest `limit` tickets (ids below `before_id`) that pass `filters` and hold every word.

    In two steps whose costs stay bounded whatever the planner guesses about the words: first the
    newest `window` tickets the filters allow are read and their text checked (a common word fills
    its page there); only when they hold too few matches are older tickets looked up through the
    text index, which is then cheap because the words are rare. Left to itself, PostgreSQL chooses
    between walking the id index and collecting every hit from the text index by a guess of how
    common the words are; guessed wrong, that costs a scan of a whole organization for a rare word
    (100 ms at 200,000 tickets), or every hit of common words ("disk full": 80,000 rows, 700 ms),
    since it takes words to be independent.
    """
    if before_id is not None:
        filters = [*filters, Ticket.id < before_id]
    newest = (
        select(_TICKETS.c.id, _TICKETS.c.key, _TICKETS.c.title, _TICKETS.c.description)
        .where(*filters)
        .order_by(_TICKETS.c.id.desc())
        .limit(window)
        .subquery("newest")
    )
    # The text is checked on the subquery's columns, so no database can answer from its text index.
    found = select(newest.c.id).where(*text_conditions(session, words, newest))
    ids = list(session.scalars(found.order_by(newest.c.id.desc()).limit(limit)))
    if len(ids) < limit:
        read, oldest = session.execute(select(func.count(), func.min(newest.c.id)).select_from(newest)).one()
        if read == window:  # older candidates remain
            older = [*filters, Ticket.id < oldest, *text_conditions(session, words)]
            ids.extend(_older_matches(session, older, limit - len(ids), indexed=_indexable(session, words)))
    if not ids:
        return []
    return session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id.desc())).all()


def _older_matches(
    session: Session, conditions: list[ColumnElement[bool]], limit: int, *, indexed: bool
) -> Sequence[int]:
    """The newest ids matching `conditions`. When the text index can answer, PostgreSQL is made to
    collect every match through it first (a MATERIALIZED CTE), rather than walk the id index in the
    hope of meeting matches early; when it cannot, walking is the cheaper scan, as it stops at
    `limit`. (SQLite's FTS subquery and MySQL's MATCH are evaluated index-first anyway.)"""
    hits = select(_TICKETS.c.id).where(*conditions)
    if indexed and session.get_bind().dialect.name == "postgresql":
        every = hits.cte("hits").prefix_with("MATERIALIZED")
        return session.scalars(select(every.c.id).order_by(every.c.id.desc()).limit(limit)).all()
    return session.scalars(hits.order_by(_TICKETS.c.id.desc()).limit(limit)).all()


def _indexable(session: Session, words: list[str]) -> bool:
    """Whether PostgreSQL's trigram index can narrow the search: pg_trgm makes trigrams of runs of
    letters and digits, so a word needs three in a row ("満杯", "db" or "a-b" have none)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return any(_TRIGRAM.search(word) for word in words)


def text_conditions(
    session: Session, words: list[str], source: FromClause = _TICKETS
) -> list[ColumnElement[bool]]:
    """One condition per word (FULLTEXT words share one MATCH), on `source`: the tickets table, or a
    subquery of it with its id, key, title and description."""
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    indexed = dialect == "postgresql" or _has_text_index(session, dialect)
    fulltext = indexed and dialect in ("mysql", "mariadb")
    matched: list[str] = []
    conditions: list[ColumnElement[bool]] = []
    for word in words:
        if fulltext and _is_fulltext_word(word):
            matched.append(word)
            continue
        found = _contains(dialect, word, source, indexed=indexed)
        if _KEY_SHAPE.match(word):
            found = or_(source.c.key == word.upper(), found)
        conditions.append(found)
    if matched:
        against = " ".join(f"+{w}*" for w in matched)
        match = mysql.match(_TICKETS.c.title, _TICKETS.c.description, against=against).in_boolean_mode()
        # MATCH needs the table itself (its FULLTEXT index), not a subquery's columns.
        conditions.insert(
            0, match if source is _TICKETS else source.c.id.in_(select(_TICKETS.c.id).where(match))
        )
    return conditions


def _contains(dialect: str, word: str, source: FromClause, *, indexed: bool) -> ColumnElement[bool]:
    pattern = "%" + _escape_like(word) + "%"
    if dialect == "postgresql":
        # ILIKE lowercases every row it reads: a third of the speed of LIKE, which suffices for a
        # word without letter case (Japanese, digits): 0.4 s instead of 1.3 s to scan 1M tickets.
        if word.lower() == word.upper():
            return _document(source).like(pattern, escape=_ESCAPE)
        return _document(source).ilike(pattern, escape=_ESCAPE)
    if dialect == "sqlite" and indexed and len(word) >= 3:
        phrase = '"' + word.replace('"', '""') + '"'
        matching = select(_FTS.c.rowid).where(literal_column(SQLITE_TABLE).op("MATCH")(phrase))
        return source.c.id.in_(matching)
    return or_(
        source.c.title.like(pattern, escape=_ESCAPE), source.c.description.like(pattern, escape=_ESCAPE)
    )


def _document(source: FromClause) -> ColumnElement[str]:
    """`title || ' ' || description`: on the tickets table, the expression PostgreSQL's trigram index
    is built on (the planner uses the index only for that expression; a bound parameter for the
    space would not match it)."""
    return source.c.title.concat(_SPACE).concat(source.c.description)


def _escape_like(word: str) -> str:
    return word.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")


def _is_fulltext_word(word: str) -> bool:
    return bool(_FULLTEXT_WORD.match(word)) and word.lower() not in _INNODB_STOPWORDS


def _has_text_index(session: Session, dialect: str) -> bool:
    """Whether migration 0004 could make the text index (not on TiDB, nor on SQLite before 3.34);
    remembered per connection."""
    connection = session.connection()
    known = connection.info.get(_HAS_TEXT_INDEX)
    if known is None:
        probe = _SQLITE_TABLE_EXISTS if dialect == "sqlite" else _MYSQL_INDEX_EXISTS
        known = connection.execute(probe).first() is not None
        connection.info[_HAS_TEXT_INDEX] = known
    return bool(known)
