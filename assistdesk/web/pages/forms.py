"""Shared handling of posted forms: uploads, and turning a domain error into a field message."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from assistdesk.domain.events import Work
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource
from assistdesk.domain.tickets.models import Ticket
from assistdesk.domain.tickets.service import MAX_ATTACHMENT_BYTES, Author
from assistdesk.errors import DomainError, Invalid

MAX_FILES = 10


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


async def uploads(form: FormData, name: str = "files") -> list[Upload]:
    """The files of a multipart form, read into memory (each at most 10 MB; the body limit of the
    page routes bounds the total). An empty file input sends one nameless part: skipped."""
    found = []
    for item in form.getlist(name):
        if not isinstance(item, UploadFile) or not item.filename:
            continue
        content = await item.read(MAX_ATTACHMENT_BYTES + 1)
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise Invalid(
                f"{item.filename} is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB", field="files"
            )
        found.append(Upload(item.filename, item.content_type or "application/octet-stream", content))
    if len(found) > MAX_FILES:
        raise Invalid(f"attach at most {MAX_FILES} files at once", field="files")
    return found


def errors_of(exc: DomainError, default_field: str = "form") -> dict[str, str]:
    return {exc.field or default_field: exc.message}


def write_comment(
    work: Work,
    *,
    ticket: Ticket,
    author: Author,
    body: str,
    public: bool,
    source: CommentSource,
    files: list[Upload],
) -> int:
    """A comment and its files, in the caller's transaction; a comment may be files alone."""
    comment = tickets.add_comment(
        work, ticket=ticket, author=author, body=body, public=public, source=source, allow_empty=bool(files)
    )
    for upload in files:
        tickets.add_attachment(
            work,
            comment=comment,
            filename=upload.filename,
            content_type=upload.content_type,
            content=upload.content,
        )
    return comment.id
