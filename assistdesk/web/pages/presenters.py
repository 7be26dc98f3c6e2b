"""What the page templates read: plain values, computed before rendering so templates only print.

Labels (statuses, severities, sources), dates and durations are worked out here once per page by a
`Words` for the reader's language — not by template calls per value, which were a fifth of a console
page's time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from assistdesk.bridge.views import author_label
from assistdesk.db.types import utcnow
from assistdesk.domain.tickets.enums import Severity, Status
from assistdesk.domain.tickets.models import Comment, Ticket
from assistdesk.domain.tickets.queues import TicketLine, lines_of
from assistdesk.domain.tickets.ticket_reads import AttachmentLine, CommentLine
from assistdesk.i18n import Translator, words
from assistdesk.web.pages.sla_views import SlaCell, cell_text, sla_cell, span

TIMED = ("ok", "soon", "overdue")  # the SLA levels whose text says a time (`sla_views.cell_text`)
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(value: datetime | None, locale: str) -> str:
    """UTC, spelled the way each language writes dates. Plain formatting rather than Babel's
    pattern engine: a queue page shows a hundred of these, and Babel costs ~50 µs each; the time as
    integers, not `%H:%M`, whose strftime was still a twentieth of a queue page."""
    if value is None:
        return ""
    clock = f"{value.hour:02d}:{value.minute:02d}"
    if locale == "ja":
        return f"{value.year}年{value.month}月{value.day}日 {clock} UTC"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}, {clock} UTC"


# Labels by translator, kept for the life of the process: catalogs are loaded once and never change
# while it runs, so a label translated once is right for every later page in that language.
_LABELS: dict[Translator, dict[tuple[str, str], str]] = {}


class Words:
    """One page's labels and dates in the reader's language, each label translated once per
    process (`_LABELS`), and the clock reading the page's times are measured against."""

    def __init__(self, _: Translator) -> None:
        self._ = _
        self.locale = _.locale
        self._labels = _LABELS.get(_) or _LABELS.setdefault(_, {})
        self.now = utcnow()

    def _label(self, kind: str, value: str, spell: Callable[[Translator, str], str]) -> str:
        key = (kind, value)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = spell(self._, value)
        return found

    def status(self, value: str) -> str:
        return self._label("status", value, words.status)

    def severity(self, value: str) -> str:
        return self._label("severity", value, words.severity)

    def source(self, value: str) -> str:
        return self._label("source", value, words.source)

    def plan(self, value: str) -> str:
        return self._label("plan", value, words.plan)

    def when(self, value: datetime | None) -> str:
        return when(value, self.locale)

    def via(self, source: str) -> str:
        return self._label("via", source, lambda _, value: _("via {source}", source=self.source(value)))

    def sla(self, cell: SlaCell) -> SlaBadge | None:
        if cell.level == "none":
            return None
        # The text depends on the level and the time as spelled (minutes at most): few distinct ones.
        shown = span(cell.seconds, self.locale) if cell.level in TIMED else ""
        text = self._label(f"sla-{cell.level}", shown, lambda _, __: cell_text(cell, _))
        return SlaBadge(cell.level, cell.state, self.when(cell.due_at), text)

    def choices(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The status and severity menus: (value, label)."""
        return (
            [(s.value, self.status(s.value)) for s in Status],
            [(s.value, self.severity(s.value)) for s in Severity],
        )


@dataclass(frozen=True, slots=True)
class SlaBadge:
    """A first-response badge as shown: `title` is the due time, `text` the time left or overdue."""

    level: str
    state: str
    title: str
    text: str


@dataclass(frozen=True)
class AttachmentItem:
    filename: str
    url: str
    size: str
    external: bool


@dataclass(frozen=True)
class CommentItem:
    id: int
    author: str
    author_kind: str
    public: bool
    source: str
    created_at: datetime
    body: str
    deleted: bool
    edited: bool
    attachments: list[AttachmentItem] = field(default_factory=list)
    via: str = ""
    created: str = ""


@dataclass(frozen=True, slots=True)
class TicketRow(TicketLine):
    """A ticket as the help center lists it: its queue line, and where it stands against its targets."""

    sla: SlaCell | None = None


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A ticket as a console queue shows it, every label and date already in words."""

    id: int
    key: str
    title: str
    status: str
    status_label: str
    severity: str
    source_label: str
    organization: str
    reporter: str
    assignee: str
    updated: str
    sla: SlaBadge | None


def human_size(size: int) -> str:
    if size <= 0:
        return ""
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size = size / 1024  # type: ignore[assignment]
    return ""


def _is_web_link(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith(("https://", "http://"))


def _attachment_item(a: AttachmentLine, url: Callable[[int], str]) -> AttachmentItem:
    return AttachmentItem(
        filename=a.filename,
        url=url(a.id) if a.external_url is None else str(a.external_url),
        size=human_size(a.size),
        external=a.external_url is not None,
    )


def _shown(attachments: Sequence[AttachmentLine]) -> list[AttachmentLine]:
    """Stored files, and links only when they are web links (never `javascript:` or the like)."""
    return [a for a in attachments if a.external_url is None or _is_web_link(a.external_url)]


def comment_items(comments: Sequence[Comment], url: Callable[[int], str], shown: Words) -> list[CommentItem]:
    """Comments loaded as objects (the help center's page): taken as the console's plain rows, so
    both pages show a comment by the same rule (`conversation_items`)."""
    lines = [
        CommentLine(
            c.id,
            c.author_name,
            c.author_kind,
            c.public,
            c.source,
            c.created_at,
            c.body,
            c.deleted_at is not None,
            c.edited_at is not None,
        )
        for c in comments
    ]
    files = [
        AttachmentLine(a.id, c.id, a.filename, a.size, a.external_url)
        for c in comments
        for a in c.attachments
    ]
    return conversation_items(lines, files, url, shown)


def conversation_items(
    comments: Sequence[CommentLine],
    attachments: Sequence[AttachmentLine],
    url: Callable[[int], str],
    shown: Words,
) -> list[CommentItem]:
    """Comments read as plain rows (the console's page), with their attachments."""
    files: dict[int, list[AttachmentLine]] = {}
    for a in attachments:
        files.setdefault(a.comment_id, []).append(a)
    return [
        CommentItem(
            id=c.id,
            author=author_label(c.author_name, c.author_kind, c.source),
            author_kind=c.author_kind,
            public=c.public,
            source=c.source,
            created_at=c.created_at,
            body="" if c.deleted else c.body,
            deleted=c.deleted,
            edited=c.edited,
            attachments=[] if c.deleted else [_attachment_item(a, url) for a in _shown(files.get(c.id, []))],
            via=shown.via(c.source),
            created=shown.when(c.created_at),
        )
        for c in comments
    ]


def queue_row(t: TicketLine, shown: Words, sla: SlaBadge | None) -> QueueRow:
    """`t` in words; `sla` is its badge (`Words.sla`), the only part that changes with the clock."""
    return QueueRow(
        id=t.id,
        key=t.key,
        title=t.title,
        status=t.status,
        status_label=shown.status(t.status),
        severity=t.severity,
        source_label=shown.source(t.source),
        organization=t.organization,
        reporter=t.reporter,
        assignee=t.assignee,
        updated=shown.when(t.updated_at),
        sla=sla,
    )


def queue_rows(lines: Sequence[TicketLine], shown: Words) -> list[QueueRow]:
    now = shown.now
    return [queue_row(t, shown, shown.sla(sla_cell(t, now))) for t in lines]


def ticket_rows(tickets: Sequence[Ticket]) -> list[TicketRow]:
    now = utcnow()
    return [
        TicketRow(**{f.name: getattr(line, f.name) for f in fields(TicketLine)}, sla=sla_cell(line, now))
        for line in lines_of(tickets)
    ]
