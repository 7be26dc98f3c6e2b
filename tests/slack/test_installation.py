"""Story 6: many workspaces through OAuth (tokens encrypted at rest, no auth.test per request),
Socket Mode, and the manifest an admin pastes into Slack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, select

from assistdesk.bridge.slack.models import SlackInstallation
from assistdesk.cli.main import run
from tests import databases
from tests.slack.harness import PUBLIC_URL, SlackWorld, world

NEW_TEAM = "T0INSTALL01"


@pytest.fixture(scope="module")
def _oauth_world(_provisioned: tuple[databases.ProvisionedDatabase, Engine]) -> Iterator[SlackWorld]:
    database, engine = _provisioned
    with world(
        database.url,
        engine,
        slack_bot_token=None,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_app_name="Helpdesk",
    ) as w:
        yield w


@pytest.fixture
def oauth(_oauth_world: SlackWorld) -> SlackWorld:
    _oauth_world.reset()
    return _oauth_world


def begin(browser: httpx.Client) -> httpx.Response:
    """GET /slack/install. The cookie is Secure (the public URL is https) and the test server speaks
    plain HTTP, so the test carries it over as a browser on the public URL would."""
    start = browser.get("/slack/install")
    assert start.status_code == 302
    browser.cookies.set("assistdesk_slack_oauth", start.cookies["assistdesk_slack_oauth"], path="/slack/")
    return start


def install(slack: SlackWorld, browser: httpx.Client) -> httpx.Response:
    start = begin(browser)
    approve = httpx.get(start.headers["location"], follow_redirects=False)  # the user clicks "Allow"
    assert approve.status_code == 302
    back = urlsplit(approve.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{PUBLIC_URL}/slack/oauth_redirect"
    return browser.get(f"/slack/oauth_redirect?{back.query}")


def test_a_workspace_installs_through_oauth_and_its_events_are_authorized_from_our_store(
    oauth: SlackWorld,
) -> None:
    with httpx.Client(base_url=oauth.server.url) as browser:
        start = begin(browser)
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["client_id"] == ["1111.2222"]
        assert query["scope"][0].split(",") == [
            "commands",
            "chat:write",
            "chat:write.customize",
            "reactions:read",
            "channels:history",
            "groups:history",
            "users:read",
            "users:read.email",
            "files:read",
            "app_mentions:read",
        ]
        assert all(
            f in start.headers["set-cookie"] for f in ("HttpOnly", "Secure", "SameSite=lax", "Path=/slack/")
        )
        done = install(oauth, browser)
    assert done.status_code == 200
    assert f"installed in Team {NEW_TEAM}" in done.text
    # the texts use the app's configured name (SLACK_APP_NAME), not a hard-coded one
    assert "Helpdesk is installed" in done.text and "(/invite @Helpdesk)" in done.text
    assert "Assist" not in done.text
    with oauth.runtime.db.reading() as session:
        [row] = session.scalars(select(SlackInstallation)).all()
    assert (row.team_id, row.bot_id, row.bot_user_id) == (NEW_TEAM, "B0INSTALL01", "U0INSTALL01BOT")
    token = next(t for t, w in oauth.fake.workspaces.items() if w.team_id == NEW_TEAM)
    assert token not in (row.bot_token_ciphertext or "")  # encrypted at rest
    assert oauth.runtime.secrets.decrypt(row.bot_token_ciphertext or "") == token

    oauth.org(team=NEW_TEAM)
    oauth.fake.add_user("U0CUST0001", name="Jamie Rivera", email="jamie@acme.example", team_id=NEW_TEAM)
    oauth.fake.add_message("C0SUPPORT01", "1767225600.000100", user="U0CUST0001", text="It broke")
    tests_before = len(oauth.fake.calls_to("auth.test"))
    for n in range(3):
        response = oauth.event(
            "reaction_added.json",
            event_id=f"Ev0INST{n}",
            team_id=NEW_TEAM,
            authorizations=[
                {
                    "enterprise_id": None,
                    "team_id": NEW_TEAM,
                    "user_id": "U0INSTALL01BOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        )
        assert response.status_code == 200
    prompts = oauth.fake.wait_for("chat.postEphemeral", 3)
    assert {p.token for p in prompts} == {token}
    assert len(oauth.fake.calls_to("auth.test")) == tests_before  # never per request

    # Uninstalling forgets the token: later events are acknowledged and ignored.
    assert (
        oauth.event(
            "app_uninstalled.json", team_id=NEW_TEAM, authorizations=[{"team_id": NEW_TEAM}]
        ).status_code
        == 200
    )
    with oauth.runtime.db.reading() as session:
        [row] = session.scalars(select(SlackInstallation)).all()
    assert row.revoked_at is not None and row.bot_token_ciphertext is None
    oauth.wait_idle()
    assert (
        oauth.event(
            "reaction_added.json",
            event_id="Ev0AFTER",
            team_id=NEW_TEAM,
            authorizations=[{"team_id": NEW_TEAM}],
        ).status_code
        == 200
    )
    oauth.wait_idle()
    assert len(oauth.fake.calls_to("chat.postEphemeral")) == 3


def test_install_links_work_once_in_the_browser_that_started_them(oauth: SlackWorld) -> None:
    with httpx.Client(base_url=oauth.server.url) as browser:
        start = begin(browser)
        approve = httpx.get(start.headers["location"], follow_redirects=False)
        query = urlsplit(approve.headers["location"]).query
        with httpx.Client(base_url=oauth.server.url) as stranger:  # no cookie: someone else's link
            refused = stranger.get(f"/slack/oauth_redirect?{query}")
        assert refused.status_code == 400 and "was not started here" in refused.text
        assert browser.get(f"/slack/oauth_redirect?{query}").status_code == 200
        browser.cookies.set(
            "assistdesk_slack_oauth", parse_qs(query)["state"][0].split(".")[0], path="/slack/"
        )
        again = browser.get(f"/slack/oauth_redirect?{query}")
        assert again.status_code == 400 and "already used" in again.text
        denied = browser.get("/slack/oauth_redirect?error=access_denied&state=x")
        assert denied.status_code == 400 and "access_denied" in denied.text
    with oauth.runtime.db.reading() as session:
        assert len(session.scalars(select(SlackInstallation)).all()) == 1


def test_the_manifest_lists_exactly_what_the_app_uses(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["slack", "manifest", "--url", "https://support.example.com/"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    url = "https://support.example.com/slack/events"
    assert manifest["features"]["slash_commands"] == [
        {
            "command": "/assist",
            "description": "Open a support request",
            "usage_hint": "[what went wrong] | help",
            "should_escape": False,
            "url": url,
        }
    ]
    assert manifest["oauth_config"] == {
        "redirect_urls": ["https://support.example.com/slack/oauth_redirect"],
        "scopes": {
            "bot": [
                "commands",
                "chat:write",
                "chat:write.customize",
                "reactions:read",
                "channels:history",
                "groups:history",
                "users:read",
                "users:read.email",
                "files:read",
                "app_mentions:read",
            ]
        },
    }
    assert manifest["settings"]["event_subscriptions"] == {
        "bot_events": [
            "reaction_added",
            "message.channels",
            "message.groups",
            "app_uninstalled",
            "tokens_revoked",
            "app_mention",
        ],
        "request_url": url,
    }
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": url}
    assert run(["slack", "manifest", "--url", "support.example.com"]) == 1
    assert "must be an http(s) URL" in capsys.readouterr().err
