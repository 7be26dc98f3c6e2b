"""Errors every layer raises and every entry point translates; their text is shown to users as is.

DomainError
├── NotFound      a named thing does not exist            (HTTP 404)
├── Conflict      the request clashes with current state  (HTTP 409)
├── Invalid       the input itself is wrong               (HTTP 422; `field` names the input)
└── NotAllowed    the caller may not do this              (HTTP 403)
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Invalid(DomainError):
    status = 422
    title = "Invalid input"


class NotAllowed(DomainError):
    status = 403
    title = "Forbidden"
