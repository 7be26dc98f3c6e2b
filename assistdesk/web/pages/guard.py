"""What every page request passes through: the CSRF check, security headers, cookies, language."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistdesk.errors import DomainError
from assistdesk.i18n import Translator, negotiate, normalise
from assistdesk.runtime import Runtime

CSRF_COOKIE = "adk_csrf"
CSRF_FIELD = "csrf_token"
LANG_COOKIE = "adk_lang"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Login links carry their token in the URL: never hand it to another site as a referrer.
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class CsrfRejected(DomainError):
    status = 403
    title = "Forbidden"


class SecurityHeaders:
    """Adds the headers above to every page response (pure ASGI: streaming stays untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def secure_cookies(request: Request) -> bool:
    return runtime_of(request).settings.public_url.startswith("https://")


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    path: str = "/",
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name, value, path=path, max_age=max_age, httponly=True, samesite="lax", secure=secure_cookies(request)
    )


# CSRF: a signed double-submit token. The cookie holds a random value; forms carry its signature, which
# another site can neither read nor forge.


def _csrf_cookie(request: Request) -> str:
    value = request.cookies.get(CSRF_COOKIE, "")
    if 20 <= len(value) <= 100:
        return value
    fresh: str | None = getattr(request.state, "csrf_cookie", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(24)
        request.state.csrf_cookie = fresh
    return fresh


def csrf_token(request: Request) -> str:
    return runtime_of(request).secrets.sign(_csrf_cookie(request).encode(), "csrf")


def issue_csrf_cookie(request: Request, response: Response) -> None:
    fresh = getattr(request.state, "csrf_cookie", None)
    if fresh is not None:
        set_cookie(request, response, CSRF_COOKIE, fresh, max_age=60 * 60 * 24 * 30)


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches this browser's cookie."""
    form = await request.form(max_files=10, max_fields=200)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    expected = runtime_of(request).secrets.sign(cookie.encode(), "csrf") if cookie else ""
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRejected(
            "this form has expired or did not come from this site; reload the page and try again"
        )
    return form


def field(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


# Language: the switch (a cookie), else the browser's preference.


def locale_of(request: Request) -> str:
    chosen = normalise(request.cookies.get(LANG_COOKIE))
    if chosen in ("en", "ja"):
        return chosen
    found = negotiate(request.headers.get("accept-language"))
    return found if found in ("en", "ja") else "en"


_TRANSLATOR = "assistdesk.translator"


def translator(request: Request) -> Translator:
    """The page's words in the reader's language (the `web` catalog, then `common`); found once per
    request (a page asks for it three times, and each time parsed the cookie and Accept-Language)."""
    found: Translator | None = request.scope.get(_TRANSLATOR)
    if found is None:
        found = request.scope[_TRANSLATOR] = runtime_of(request).catalogs.translator(
            locale_of(request), "web"
        )
    return found


def local_path(raw: str | None, *, under: str, default: str) -> str:
    """`raw` if it is a path on this site below `under`; anything else (another host, a scheme,
    `//evil`) gives `default`: no open redirects."""
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith(under) or raw.startswith("//") or "\\" in raw:
        return default
    return raw


async def sign_in_allowed(request: Request, kind: str, email: str) -> bool:
    """Counts this attempt against the email and the client address."""
    from assistdesk.domain.access import service as access

    address = _address(request)
    return await runtime_of(request).db.run_async(
        lambda uow: access.allow_sign_in(uow, kind=kind, email=email, address=address)
    )


async def sign_in_open(request: Request, kind: str, email: str) -> bool:
    """Whether failed attempts left room for this one (counts nothing)."""
    from assistdesk.domain.access import service as access

    address = _address(request)
    return await runtime_of(request).db.read_async(
        lambda session: access.sign_in_open(session, kind=kind, email=email, address=address)
    )


async def count_failed_sign_in(request: Request, kind: str, email: str) -> None:
    """One failure against the email and the client address."""
    from assistdesk.domain.access import service as access

    address = _address(request)
    await runtime_of(request).db.run_async(
        lambda uow: access.count_failed_sign_in(uow, kind=kind, email=email, address=address)
    )


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
