"""Sending a stored attachment back: always as a download, never rendered by the browser as a page of
ours (an uploaded HTML or SVG file must not run in the help center's origin)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistdesk.domain.tickets.models import Attachment
from assistdesk.errors import NotFound
from assistdesk.mediatypes import clean_media_type


def attachment_response(attachment: Attachment, session: Session) -> Response:
    if attachment.external_url is not None:
        if not attachment.external_url.lower().startswith(("https://", "http://")):
            raise NotFound("this attachment has no downloadable content")
        return RedirectResponse(attachment.external_url, status_code=303)
    content = session.scalar(select(Attachment.content).where(Attachment.id == attachment.id))
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace('"', "'")
    return Response(
        content or b"",
        media_type=clean_media_type(attachment.content_type),  # rows stored before the rule too
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(attachment.filename)}"
            ),
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )
