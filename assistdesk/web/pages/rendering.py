"""Jinja2 pages in the reader's language. Autoescaping is on for every template: user text (titles,
comments, names) is always escaped; comment bodies keep their line breaks through CSS, never markup."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from assistdesk.db.cache import TtlCache
from assistdesk.i18n import words
from assistdesk.web.pages.guard import csrf_token, issue_csrf_cookie, runtime_of, translator
from assistdesk.web.pages.presenters import when
from assistdesk.web.pages.sla_views import cell_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # Templates ship with the code: checking each file's mtime on every render is wasted work.
    auto_reload=False,
)

# Rendered fragments by (template, name), each kept with the values it was made from. The age only
# bounds how long fragments nobody looks at any more take memory.
_KEPT: TtlCache[tuple[str, Hashable], tuple[Any, Markup]] = TtlCache(max_age=300.0, max_entries=20_000)


def named_fragment(template: str, name: Hashable, values: Any, build: Callable[[], Any]) -> Markup:
    """`template` rendered with `build()` as `t` and nothing else, once per distinct (name, values).

    Escaping each printed value (markupsafe) was a quarter of a fifty-row queue page; a queue shows
    the same rows to every agent and on every reload. A fragment is found by a short `name` and kept
    with the `values` it was made from, which are compared, never hashed: one kept for other values
    is made again and replaces it (hashing a queue line's fresh strings and time-zone-aware
    datetimes on every view cost five times comparing them).

    `name` and `values` together must determine what `build()` makes: the template sees no other
    name (the environment's StrictUndefined makes any other one an error), so they must carry
    everything the fragment shows — the reader's locale, time zone and the viewer's permissions
    included, where they change what it shows."""
    return part(template, name, values, lambda: {"t": build()})


def part(template: str, name: Hashable, values: Any, names: Callable[[], dict[str, Any]]) -> Markup:
    """`named_fragment` for a part whose template reads more than one name (a macro of macros.html
    imported with context reads `_`): rendered with the names `names()` gives. As there, `name` and
    `values` together must determine every name's value."""
    key = (template, name)
    kept = _KEPT.peek(key)
    if kept is not None and kept[0] == values:
        return kept[1]
    generation = _KEPT.generation
    # An autoescaping template's output: every value in it is escaped already.
    found = Markup(environment.get_template(template).render(names()))  # noqa: S704
    _KEPT.put(key, (values, found), loaded_in=generation)
    return found


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    _ = translator(request)
    locale = _.locale
    values: dict[str, Any] = {
        "_": _,
        "ngettext": _.ngettext,
        "request": request,
        "path": request.url.path,
        "lang": locale,
        "csrf_token": csrf_token(request),
        "when": lambda value: when(value, locale),
        "status_label": lambda value: words.status(_, value),
        "severity_label": lambda value: words.severity(_, value),
        "source_label": lambda value: words.source(_, value),
        "plan_label": lambda value: words.plan(_, value),
        "slack_app_name": runtime_of(request).settings.slack_app_name,
        "flashes": [],
        "sla_text": lambda cell: cell_text(cell, _),
    }
    values.update(context or {})
    html = environment.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    issue_csrf_cookie(request, response)
    return response
