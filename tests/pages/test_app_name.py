"""The pages name the Slack app as it is configured (SLACK_APP_NAME), never a hard-coded "Assist"."""

from __future__ import annotations

from tests.pages.conftest import Desk


def test_the_chat_features_pages_use_the_configured_slack_app_name(desk: Desk) -> None:
    desk.runtime.settings.slack_app_name = "Helpdesk"  # as SLACK_APP_NAME=Helpdesk would set it
    customer = desk.customer("ann@acme.example")  # an organization admin: sees chat features
    page = customer.get("/help/chat").text
    assert "Slack Helpdesk app" in page and "Assist" not in page
    admin = desk.agent("ada@vendor.example")
    orgs = admin.get("/agent/admin/orgs").text
    org_link = orgs.split('href="/agent/admin/orgs/', 1)[1].split('"', 1)[0]
    assert "Slack Helpdesk app" in admin.get(f"/agent/admin/orgs/{org_link}").text
