"""Words every surface shows (the `common` domain): statuses, severities, sources.

`N_` marks a string for extraction without translating it here; translate at display time.
"""

from __future__ import annotations

from assistdesk.i18n import Translator


def N_(message: str) -> str:
    return message


STATUS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "waiting_on_customer": N_("Waiting on customer"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
SEVERITY = {
    "S1": N_("S1 (critical)"),
    "S2": N_("S2 (high)"),
    "S3": N_("S3 (normal)"),
    "S4": N_("S4 (question)"),
}
SOURCE = {
    "slack": N_("Slack"),
    "lark": N_("Lark"),
    "portal": N_("Help center"),
    "console": N_("Agent console"),
    "email": N_("Email"),
    "api": N_("API"),
}
PLAN = {
    "basic": N_("Basic"),
    "developer": N_("Developer"),
    "enterprise": N_("Enterprise"),
    "premium": N_("Premium"),
}


def status(_: Translator, value: str) -> str:
    return _(STATUS.get(value, value))


def severity(_: Translator, value: str) -> str:
    return _(SEVERITY.get(value, value))


def source(_: Translator, value: str) -> str:
    return _(SOURCE.get(value, value))


def plan(_: Translator, value: str) -> str:
    return _(PLAN.get(value, value))
