"""A queue's rows are rendered once per distinct row and kept (`rendering.named_fragment`): the kept row
must still follow the clock (its first-response badge) and the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assistdesk.domain.tickets.queues import TicketLine
from assistdesk.i18n import Catalogs
from assistdesk.web.pages.presenters import Words
from assistdesk.web.pages.queues import table_rows

CREATED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DUE = CREATED + timedelta(hours=1)


def line(title: str) -> TicketLine:
    return TicketLine(
        7, "SUP-7", title, "open", "S2", "portal", "Acme", "Ann", "", CREATED, CREATED, DUE, None
    )


def words(locale: str, now: datetime) -> Words:
    shown = Words(Catalogs().translator(locale, "web"))
    shown.now = now
    return shown


def test_a_kept_row_follows_the_clock_and_the_language() -> None:
    row = line("Printer <on fire>")
    early = table_rows([row], words("en", DUE - timedelta(minutes=30)))
    late = table_rows([row], words("en", DUE - timedelta(minutes=10)))
    overdue = table_rows([row], words("en", DUE + timedelta(minutes=5)))
    japanese = table_rows([row], words("ja", DUE - timedelta(minutes=30)))
    assert ">30 min left<" in early and "Printer &lt;on fire&gt;" in early
    assert ">10 min left<" in late
    assert "⚠ Overdue by 5 min<" in overdue and 'class="badge sla-overdue"' in overdue
    assert "30分" in japanese and "min left" not in japanese and "Open" not in japanese
    assert table_rows([row], words("en", DUE - timedelta(minutes=30))) == early  # the kept one
    renamed = table_rows([line("Printer fixed")], words("en", DUE - timedelta(minutes=30)))
    assert "Printer fixed" in renamed and "on fire" not in renamed
