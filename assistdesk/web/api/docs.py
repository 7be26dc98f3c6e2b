"""`/api/v1/docs`: Swagger UI served from this server, under a Content-Security-Policy.

FastAPI's default page loads its script from a public CDN without integrity, so whoever controls
that CDN (or the path to it) runs script on a page where agents paste their API tokens. The files
here are the ones the `fastapi-offline` package ships (pinned in uv.lock); the page's one inline
script is allowed by its hash, and nothing else may load.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _csp(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE.findall(html)
    )
    return (
        "default-src 'none'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; "
        "connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def install_docs(api: FastAPI, *, prefix: str, title: str) -> None:
    """Mount the assets and the page on `api` (mounted at `prefix`)."""
    api.mount("/docs-assets", StaticFiles(directory=ASSETS), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url=f"{prefix}/openapi.json",
        title=f"{title} - docs",
        swagger_js_url=f"{prefix}/docs-assets/swagger-ui-bundle.js",
        swagger_css_url=f"{prefix}/docs-assets/swagger-ui.css",
        swagger_favicon_url=f"{prefix}/docs-assets/favicon.png",
    )
    html = bytes(page.body).decode()
    headers = {"Content-Security-Policy": _csp(html), "X-Content-Type-Options": "nosniff"}

    @api.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)
