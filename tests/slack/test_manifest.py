"""The manifest an admin pastes into Slack: what Slack's schema accepts, and no silent surprises."""

from __future__ import annotations

import json

import pytest

from assistdesk.cli.main import run


def manifest_of(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, str]:  # type: ignore[type-arg]
    assert run(["slack", "manifest", *args]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_the_app_home_has_no_read_only_messages_tab_without_a_messages_tab(
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest, _ = manifest_of(capsys, "--url", "https://support.example.com")
    # Slack's manifest type allows messages_tab_read_only_enabled only beside an enabled Messages tab
    assert manifest["features"]["app_home"] == {"home_tab_enabled": False, "messages_tab_enabled": False}


def test_an_http_url_is_taken_with_a_warning_that_slack_needs_https(
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifest, err = manifest_of(capsys, "--url", "http://support.example.com")
    assert (
        manifest["settings"]["event_subscriptions"]["request_url"]
        == "http://support.example.com/slack/events"
    )
    assert err.startswith("warning: Slack sends events, commands and OAuth redirects only to https URLs")
    _, quiet = manifest_of(capsys, "--url", "https://support.example.com")
    assert quiet == ""


def test_the_name_is_used_whole_or_refused_never_cut(capsys: pytest.CaptureFixture[str]) -> None:
    name = "Acme Customer Support Desk Bot 35ch"  # exactly 35 characters: Slack's limit
    manifest, _ = manifest_of(capsys, "--url", "https://s.example.com", "--name", name)
    assert manifest["display_information"]["name"] == name
    assert manifest["features"]["bot_user"]["display_name"] == name
    assert run(["slack", "manifest", "--url", "https://s.example.com", "--name", name + "!"]) == 1
    err = capsys.readouterr().err
    assert "--name must be 1 to 35 characters (Slack's limit)" in err and "has 36" in err
    assert run(["slack", "manifest", "--url", "https://s.example.com", "--name", "  "]) == 1


def test_the_default_name_comes_from_slack_app_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest, _ = manifest_of(capsys, "--url", "https://s.example.com")
    assert manifest["display_information"]["name"] == "Assist"
    monkeypatch.setenv("SLACK_APP_NAME", "Helpdesk")
    manifest, _ = manifest_of(capsys, "--url", "https://s.example.com")
    assert manifest["display_information"]["name"] == "Helpdesk"
    assert manifest["features"]["bot_user"]["display_name"] == "Helpdesk"
