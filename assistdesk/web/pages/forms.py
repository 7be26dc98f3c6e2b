"""Every posted form of the pages, one way: `submit` runs the change in one transaction and answers
with a redirect, or with the form again holding the domain's message next to its field; `post_comment`
is the one handler behind the console's reply and note and the help center's reply.

The order is always: who is asking (a signed-out browser is sent to sign in before anything else),
the CSRF-checked form (`guard.checked_form`), then `submit`. A domain error changes nothing (the
transaction rolls back); whether it is the form's business or the 404 page is the caller's `missing`
rule (by default: a thing named by the address, with no field, is missing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from assistdesk.db.uow import UnitOfWork
from assistdesk.domain.events import Work
from assistdesk.domain.tickets import service as tickets
from assistdesk.domain.tickets.enums import CommentSource
from assistdesk.domain.tickets.models import Ticket
from assistdesk.domain.tickets.service import MAX_ATTACHMENT_BYTES, Author
from assistdesk.errors import DomainError, Invalid, NotFound
from assistdesk.web.pages.guard import checked_form, field, runtime_of

T = TypeVar("T")
Failed = Callable[[DomainError], Awaitable[Response]]

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


def missing_page(exc: DomainError) -> bool:
    """A thing named by the address (no field) does not exist: the 404 page, not the form."""
    return isinstance(exc, NotFound) and exc.field is None


def missing_anything(exc: DomainError) -> bool:
    """Any missing thing is the 404 page (a ticket's key, whatever field the domain names)."""
    return isinstance(exc, NotFound)


def never_missing(exc: DomainError) -> bool:
    """Every refusal is the form's (nothing in the address can be missing)."""
    return False


def see_other(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


async def submit(
    request: Request,
    work: Callable[[UnitOfWork], T],
    *,
    done: Callable[[T], Response | Awaitable[Response]],
    failed: Failed,
    missing: Callable[[DomainError], bool] = missing_page,
) -> Response:
    """Run `work` in one transaction; answer `done(its result)` (a redirect, or a page showing what
    was made), or `failed(error)` for a refusal (`missing` ones are raised: the 404 page)."""
    try:
        result = await runtime_of(request).db.run_async(work)
    except DomainError as exc:
        if missing(exc):
            raise
        return await failed(exc)
    answer = done(result)
    return answer if isinstance(answer, Response) else await answer


async def post_comment(
    request: Request,
    *,
    find: Callable[[UnitOfWork], tuple[Ticket, Author]],
    public: bool,
    source: CommentSource,
    done: Callable[[int], str],
    failed: Callable[[DomainError, str], Awaitable[Response]],
) -> Response:
    """A reply or note with its files: `find` names the ticket and the author inside the transaction
    (and refuses a ticket the viewer may not see); `done(comment id)` is where to go next;
    `failed(error, body)` shows the form again with the draft kept."""
    form = await checked_form(request)
    body = field(form, "body")
    try:
        files = await uploads(form)
    except DomainError as exc:
        return await failed(exc, body)

    def work(uow: UnitOfWork) -> int:
        ticket, author = find(uow)
        return write_comment(
            uow, ticket=ticket, author=author, body=body, public=public, source=source, files=files
        )

    return await submit(
        request,
        work,
        done=lambda comment_id: see_other(done(comment_id)),
        failed=lambda exc: failed(exc, body),
        missing=missing_anything,
    )
