"""Jinja2 pages in the reader's language. Autoescaping is on for every template: user text (titles,
comments, names) is always escaped; comment bodies keep their line breaks through CSS, never markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

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
)


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
