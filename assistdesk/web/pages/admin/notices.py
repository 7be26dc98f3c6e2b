"""What the admin pages share: their frame, and the one-time notice a successful POST leaves for the
page it redirects to.

The notice cookie carries a key of `NOTICES` and its parameters (signed), never text: the words are
this process's, in the reader's language.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from assistdesk.domain.orgs.enums import Feature
from assistdesk.i18n import Translator, words
from assistdesk.i18n.words import N_
from assistdesk.web.pages.agent import page
from assistdesk.web.pages.guard import field, runtime_of, secure_cookies, set_cookie, translator
from assistdesk.web.pages.viewers import Staff

BASE = "/agent/admin"
FLASH_COOKIE = "adk_admin_flash"

NOTICES = {
    "org_created": N_("Created {org}."),
    "plan_changed": N_("{org} is now on the {plan} plan."),
    "domains_added": N_("Added {domains} to {org}."),
    "domain_removed": N_("Removed {domain} from {org}."),
    "feature_enabled": N_("{feature} is enabled for {org}."),
    "feature_disabled": N_("{feature} is disabled for {org}."),
    "request_approved": N_("Approved: {feature} is enabled for {org}."),
    "request_denied": N_("Denied the {feature} request of {org}."),
    "connected": N_("Connected {channel} to {org}."),
    "reconnected": N_("{channel} was already connected to {org}."),
    "moved": N_("Moved {channel} from {previous} to {org}."),
    "disconnected": N_("Disconnected {channel}."),
    "contact_added": N_("Added {email} to {org}."),
    "agent_added": N_("Added {email}."),
    "token_revoked": N_("Revoked the token {prefix}…"),
    "delivery_retried": N_("Delivery #{id} is queued again."),
}

Notice = tuple[str, dict[str, str]]


def _signature(request: Request, payload: str) -> str:
    return runtime_of(request).secrets.sign(payload.encode(), "admin-notice")


def _keep_notice(request: Request, response: Response, notice: Notice) -> None:
    payload = base64.urlsafe_b64encode(json.dumps(notice, separators=(",", ":")).encode()).decode()
    set_cookie(
        request, response, FLASH_COOKIE, f"{payload}.{_signature(request, payload)}", path=BASE, max_age=60
    )


def _notices(request: Request, _: Translator) -> list[str]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _dot, signature = raw.partition(".")
    if not payload or not hmac.compare_digest(signature, _signature(request, payload)):
        return []
    try:
        key, params = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError, TypeError):
        return []
    if not isinstance(key, str) or key not in NOTICES or not isinstance(params, dict):
        return []
    shown = {name: str(value) for name, value in params.items()}
    if "plan" in shown:
        shown["plan"] = words.plan(_, shown["plan"])
    if "feature" in shown:
        shown["feature"] = words.source(_, shown["feature"])
    try:
        return [_(NOTICES[key], **shown)]
    except (KeyError, IndexError):
        return []


def back_to(request: Request, url: str) -> Callable[[Notice], Response]:
    """`forms.submit`'s `done` for the admin pages: back to `url`, which shows the notice once."""

    def redirect(notice: Notice) -> Response:
        response = RedirectResponse(url, status_code=303)
        _keep_notice(request, response, notice)
        return response

    return redirect


def admin_page(request: Request, template: str, viewer: Staff, status: int = 200, **context: Any) -> Response:
    """An admin page with the notice left by the POST before it (shown once: the cookie goes)."""
    _ = translator(request)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    response = page(request, template, viewer, status, flashes=_notices(request, _), **context)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(
            FLASH_COOKIE, path=BASE, secure=secure_cookies(request), httponly=True, samesite="lax"
        )
    return response


def checkbox(form: Any, name: str) -> bool:
    return field(form, name) in ("1", "on", "true", "yes")


def plan_refusal(_: Translator, feature: str, current_plan: str) -> str:
    """Why a feature cannot be enabled, in words: the plan it needs and the one the organization has."""
    chosen = Feature(feature)
    return _(
        "{feature} needs the {plan} plan or above; this organization is on the {current} plan.",
        feature=words.source(_, chosen.value),
        plan=words.plan(_, chosen.minimum_plan.value),
        current=words.plan(_, current_plan),
    )
