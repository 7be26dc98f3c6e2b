"""In a real browser (Debian's Chromium driven by Playwright): a customer signs in through the mailed
link, sees their requests, opens one and replies; an agent answers publicly and adds an internal note;
the customer sees only the public answer.

Set ASSISTDESK_SCREENSHOTS=docs/screenshots to save the pages the README shows."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.pages.conftest import PASSWORD, Desk

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("ASSISTDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_customer_and_agent_meet_on_one_request(desk: Desk, browser: Browser) -> None:
    customer = browser.new_page(viewport={"width": 1200, "height": 800}, locale="en-US")
    customer.goto(f"{desk.url}/help/requests/SUP-1")  # a deep link, as the bots post them
    expect(customer.get_by_role("heading", name="Sign in to the help center")).to_be_visible()
    shot(customer, "help-login")
    customer.get_by_label("Email address").fill("ann@acme.example")
    customer.get_by_role("button", name="Send me a sign-in link").click()
    expect(customer.get_by_role("heading", name="Check your email")).to_be_visible()
    mail = desk.mailbox.wait_for("ann@acme.example")
    customer.goto(mail.link)
    # The link page waits for a click: a page that submitted itself would sign a victim into
    # whatever account an attacker's link belongs to (login CSRF).
    customer.wait_for_timeout(500)
    expect(customer.get_by_text("Continue as ann@acme.example.")).to_be_visible()
    customer.get_by_role("button", name="Sign in").click()
    expect(customer.get_by_role("heading", name="SUP-1 Checkout times out")).to_be_visible()

    customer.get_by_role("link", name="My requests").first.click()
    rows = customer.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SUP-1")
    expect(rows.first).to_contain_text("Open")
    customer.get_by_label("Show").select_option("org")  # Ann is an org admin: the whole organization
    expect(customer.locator("tbody tr")).to_have_count(2)
    shot(customer, "help-requests")

    customer.get_by_role("link", name="Checkout times out").click()
    customer.get_by_label("Reply").fill("It fails for order 88412 too.")
    customer.get_by_role("button", name="Send reply").click()
    expect(customer.locator(".comment")).to_contain_text(["It fails for order 88412 too."])

    agent = browser.new_page(viewport={"width": 1280, "height": 900})
    agent.goto(f"{desk.url}/agent/tickets/SUP-1")
    agent.get_by_label("Email address").fill("eve@vendor.example")
    agent.get_by_label("Password").fill(PASSWORD)
    agent.get_by_role("button", name="Sign in").click()
    expect(agent.get_by_role("heading", name="SUP-1 Checkout times out")).to_be_visible()
    expect(agent.locator(".comment").first).to_contain_text("It fails for order 88412 too.")
    agent.locator("#reply-body").fill("Thanks — a fix is rolling out now.")
    agent.get_by_role("button", name="Send public reply").click()
    expect(agent.locator(".comment")).to_have_count(2)
    agent.locator("#note-body").fill("Root cause: the payment pool was capped at 5.")
    agent.get_by_role("button", name="Add internal note").click()
    expect(agent.locator(".comment.internal")).to_contain_text(
        "Root cause: the payment pool was capped at 5."
    )
    agent.get_by_label("Status").select_option("waiting_on_customer")
    agent.get_by_role("button", name="Save").click()
    expect(agent.get_by_label("Status")).to_have_value("waiting_on_customer")
    shot(agent, "agent-ticket")
    agent.goto(f"{desk.url}/agent/queue/all")
    expect(agent.locator("tbody tr")).to_have_count(3)
    shot(agent, "agent-queue")

    customer.reload()
    conversation = customer.locator(".comments")
    expect(conversation).to_contain_text("Thanks — a fix is rolling out now.")
    expect(conversation).not_to_contain_text("Root cause")
    expect(customer.locator("aside")).to_contain_text("Waiting on customer")
    shot(customer, "help-ticket")

    # Japanese, from the switch
    customer.get_by_label("Language").select_option("ja")
    expect(customer.locator("html")).to_have_attribute("lang", "ja")
    expect(customer.get_by_role("link", name="マイリクエスト", exact=True)).to_be_visible()
    expect(customer.locator("aside")).to_contain_text("お客様の返信待ち")
    shot(customer, "help-ticket-ja")


def test_an_admin_approves_a_chat_feature_and_the_customer_sees_it(desk: Desk, browser: Browser) -> None:
    customer = browser.new_page(viewport={"width": 1200, "height": 800}, locale="en-US")
    customer.goto(f"{desk.url}/help/login")
    customer.get_by_label("Email address").fill("gina@globex.example")
    customer.get_by_role("button", name="Send me a sign-in link").click()
    expect(customer.get_by_role("heading", name="Check your email")).to_be_visible()
    customer.get_by_label("6-digit code").fill(desk.mailbox.wait_for("gina@globex.example").code)
    customer.get_by_role("button", name="Sign in").click()
    customer.get_by_role("link", name="Chat features").click()
    lark = customer.locator("#feature-lark")
    # Enterprise: Slack is on request too, to create and follow requests (issue 11's plan matrix).
    expect(customer.locator("#feature-slack")).to_contain_text("Create and follow")
    lark.get_by_label("Note for our team").fill("Group: Globex ⇄ Vendor support")
    lark.get_by_role("button", name="Request enablement").click()
    expect(customer.locator("#feature-lark")).to_contain_text("Requested — waiting for our team")
    shot(customer, "help-chat-features")

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(f"{desk.url}/agent/admin/requests")
    admin.get_by_label("Email address").fill("ada@vendor.example")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Sign in").click()
    row = admin.locator("tbody tr", has_text="Globex")
    expect(row).to_contain_text("Group: Globex ⇄ Vendor support")
    shot(admin, "admin-requests")
    row.get_by_placeholder("Note for the customer (optional)").fill("Invite the bot to your group.")
    row.get_by_role("button", name="Approve").click()
    admin.goto(f"{desk.url}/agent/admin/orgs")
    expect(admin.locator("tbody tr", has_text="Globex")).to_contain_text("enabled")
    shot(admin, "admin-orgs")

    customer.reload()
    expect(customer.locator("#feature-lark")).to_contain_text("Enabled")
    expect(customer.locator("#feature-lark")).to_contain_text("Invite the bot to your group.")
    expect(customer.locator("#feature-lark").get_by_role("button", name="Request enablement")).to_have_count(
        0
    )
