"""Normalising what people type: emails, domains, names."""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from assistdesk.errors import Invalid

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


def normalise_email(raw: str, *, field: str = "email") -> str:
    candidate = (raw or "").strip()
    if not candidate:
        raise Invalid("an email address is required", field=field)
    try:
        return _normalised(candidate)
    except EmailNotValidError as exc:
        raise Invalid(f"{candidate!r} is not a valid email address", field=field) from exc


@lru_cache(maxsize=4096)
def _normalised(candidate: str) -> str:
    """The address as stored: a pure function of the text, kept for the addresses a process sees
    again and again (a ticket's reporter on every create: email_validator cost a sixtieth of the
    create's CPU). An address refused raises, and is not kept."""
    result = validate_email(candidate, check_deliverability=False, allow_smtputf8=True)
    return str(result.normalized).lower()


def normalise_domain(raw: str) -> str:
    domain = (raw or "").strip().lower().lstrip("@").rstrip(".")
    if not _DOMAIN.match(domain):
        raise Invalid(f"{raw!r} is not a domain name", field="domains")
    return domain


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def clean_line(raw: str | None, *, field: str, max_length: int, required: bool = True) -> str:
    value = " ".join((raw or "").split())
    if required and not value:
        raise Invalid(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise Invalid(f"{field} is longer than {max_length} characters", field=field)
    return value


def clean_text(raw: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    value = (raw or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise Invalid(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise Invalid(f"{field} is longer than {max_length} characters", field=field)
    return value
