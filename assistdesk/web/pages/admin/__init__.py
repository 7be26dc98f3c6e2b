"""The admin pages (agents with the admin role), one module per surface: the overview; organizations
with their plan, domains, chat features and contacts; their channel and group connections; enablement
requests; agents; API tokens; deliveries; held mail.

Every handler starts with `staff(request, admin=True)`. Every change is a POST whose CSRF-checked
form runs one domain operation in one transaction (`forms.submit`): bad input re-renders the page
with the message next to its field and the error's status (422, 409, 404), having changed nothing;
success redirects back (303) with a one-time notice (`notices`). The one exception is a new API
token: the response to its POST shows it, once; nothing stores it, so nothing can show it again.
"""

from __future__ import annotations

from fastapi import APIRouter

from assistdesk.web.pages.admin import agents, channels, deliveries, mail, orgs, overview, requests, tokens

router = APIRouter()
for surface in (overview, orgs, channels, requests, agents, tokens, deliveries, mail):
    router.include_router(surface.router)
