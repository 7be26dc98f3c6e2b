"""Every page (help center, console, admin) at desktop width and at phone width (390 px) in Debian's
Chromium: no axe-core violation of impact moderate or higher, and nothing wider than the screen
(tables scroll inside themselves, long ids wrap).

ASSISTDESK_SCREENSHOTS=docs/screenshots also saves the phone-width pages the README shows."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from assistdesk.domain.access import service as access
from assistdesk.domain.links import service as links
from assistdesk.domain.orgs import service as orgs
from assistdesk.domain.tickets import service as tickets
from tests.pages.axe import overflow, violations
from tests.pages.conftest import PASSWORD, Desk

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_ID = "C" + "0123456789ABCDEF" * 8  # one unbroken word, 129 characters
SHOTS = {  # page -> screenshot name (phone width only)
    "/help/requests": "phone-help-requests",
    "/help/requests/SUP-1": "phone-help-ticket",
    "/agent/queue/all": "phone-agent-queue",
    "/agent/tickets/SUP-1": "phone-agent-ticket",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def more_data(desk: Desk) -> int:
    """A channel with a long unbroken id, a long title and a reply: what stretches pages."""

    def add(uow):  # type: ignore[no-untyped-def]
        acme = orgs.get_org(uow.session, "Acme")
        links.connect_channel(uow, platform="slack", workspace="T0123ABCDEF", channel=LONG_ID, org=acme)
        ticket = tickets.get_ticket(uow.session, "SUP-1")
        ticket.title = "Checkout times out for orders with more than forty line items on weekends"
        return acme.id

    org_id: int = desk.runtime.db.run(add)
    return org_id


def customer_signs_in(desk: Desk, page: Page) -> None:
    page.goto(f"{desk.url}/help/login")
    page.get_by_label("Email address").fill("ann@acme.example")
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.get_by_label("6-digit code").fill(desk.mailbox.wait_for("ann@acme.example").code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="My requests").first).to_be_visible()


def agent_signs_in(desk: Desk, page: Page) -> None:
    page.goto(f"{desk.url}/agent/login")
    page.get_by_label("Email address").fill("ada@vendor.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Queues")).to_be_visible()


def audit(page: Page, url: str, width: int, problems: list[str]) -> None:
    answer = page.goto(url)
    assert answer is not None and answer.status < 500, url
    path = re.sub(r"^https?://[^/]+", "", url)
    problems += [f"{path} at {width} px: {v}" for v in violations(page)]
    wider = overflow(page)
    if wider:
        problems.append(f"{path} at {width} px: {wider}")
    folder = os.environ.get("ASSISTDESK_SCREENSHOTS")
    if folder and width == PHONE["width"] and path in SHOTS:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{SHOTS[path]}.png"), full_page=True)


def context(browser: Browser, viewport: dict[str, int]) -> BrowserContext:
    return browser.new_context(viewport=viewport, locale="en-US", bypass_csp=True)  # type: ignore[arg-type]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_passes_axe_and_fits_the_screen(
    desk: Desk, browser: Browser, viewport: dict[str, int]
) -> None:
    org_id = more_data(desk)
    width = viewport["width"]
    problems: list[str] = []

    visitor = context(browser, viewport)
    page = visitor.new_page()
    setup = desk.runtime.db.run(access.issue_setup_link)  # the first-run page that creates an admin
    for path in ("/help/login", "/agent/login", f"/agent/setup?token={setup}"):
        audit(page, f"{desk.url}{path}", width, problems)
    page.goto(f"{desk.url}/help/login")
    page.get_by_label("Email address").fill("bob@acme.example")
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    problems += [f"/help/login (sent) at {width} px: {v}" for v in violations(page)]
    link = desk.mailbox.wait_for("bob@acme.example").link
    audit(page, link, width, problems)  # the sign-in link's page (its button, before it is used)
    visitor.close()

    customer = context(browser, viewport)
    page = customer.new_page()
    customer_signs_in(desk, page)
    for path in (
        "/help/requests",
        "/help/requests?show=org",
        "/help/requests/new",
        "/help/requests/SUP-1",
        "/help/chat",
        "/help/requests/NOPE-1",  # the error page
    ):
        audit(page, f"{desk.url}{path}", width, problems)
    customer.close()

    agent = context(browser, viewport)
    page = agent.new_page()
    agent_signs_in(desk, page)
    for path in (
        "/agent/queue/new",
        "/agent/queue/all",
        "/agent/search?q=checkout",
        "/agent/tickets/SUP-1",
        "/agent/admin",
        "/agent/admin/orgs",
        f"/agent/admin/orgs/{org_id}",
        "/agent/admin/requests",
        "/agent/admin/agents",
        "/agent/admin/tokens",
        "/agent/admin/deliveries",
    ):
        audit(page, f"{desk.url}{path}", width, problems)
    agent.close()

    assert problems == [], "\n".join(problems)
