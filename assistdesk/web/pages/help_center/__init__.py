"""The customers' help center, one module per surface: signing in by mail (`sign_in`), following and
answering one's requests (`requests`, and `mail` for a chat ticket's mail switch), asking for chat
features (`chat`).

Tenant isolation is decided in one place, `frame.visible_ticket`: a contact sees the requests they
reported, an organization admin every request of their organization, and anything else is answered
404 exactly like a key that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter

from assistdesk.web.pages.help_center import chat, mail, requests, sign_in

router = APIRouter()
for surface in (sign_in, requests, chat, mail):
    router.include_router(surface.router)
