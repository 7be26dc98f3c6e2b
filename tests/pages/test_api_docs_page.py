"""`/api/v1/docs` loads nothing from a public CDN: Swagger UI comes from this server, under a
Content-Security-Policy that allows only its own files and its one inline script, and it still
renders the API in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.pages.conftest import Desk
from tests.pages.test_browser import browser  # noqa: F401  (the Chromium fixture)


def test_the_docs_page_uses_local_files_under_a_csp(desk: Desk) -> None:
    client = desk.client()
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/api/v1/") for s in sources), sources
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self' 'sha256-" in policy
    script = client.get("/api/v1/docs-assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text


@pytest.mark.browser
def test_the_docs_render_under_their_policy(desk: Desk, browser: Browser) -> None:  # noqa: F811
    page = browser.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{desk.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("assistdesk REST API")
    assert refused == []
    page.close()
