"""The slash command, the form button, tokens_revoked and the Web API's answers, parsed at the edge:
fixtures as Slack sends them, read as the typed values the app works with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from assistdesk.platforms.slack import answers, interactions, payloads
from assistdesk.platforms.slack.ports import Command, FormButton

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"


def _json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def test_a_slash_command_names_its_workspace_channel_person_and_trigger() -> None:
    body = dict(parse_qsl((FIXTURES / "slash_command.assist.txt").read_text().strip()))
    parsed = interactions.slash_command(body)
    assert parsed is not None
    assert parsed.command(None) == Command(
        workspace="T0A1B2C3D4",
        channel="C0SUPPORT01",
        user="U0CUST0001",
        user_name="jamie",
        text="Login page returns 500 after SSO redirect",
        trigger_id="1234567890123.1122334455.0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    )
    assert parsed.command("T0INSTALLED").workspace == "T0INSTALLED"  # the installation's team wins
    assert interactions.slash_command({"text": ["not", "a", "string"]}) is None


def test_the_form_button_finds_its_channel_in_the_container_or_else_in_the_channel() -> None:
    body = _json("block_actions.submit_request.json")
    parsed = interactions.block_action(body)
    assert parsed is not None
    click = parsed.form_button("T0A1B2C3D4")
    assert click == FormButton(
        workspace="T0A1B2C3D4",
        channel="C0SUPPORT01",
        user="U0CUST0001",
        user_name="jamie",
        value="C0SUPPORT01|1767225600.000100",
        trigger_id=body["trigger_id"],
    )
    ephemeral = {**body, "container": {"type": "message"}, "channel": {"id": "C0OTHER"}}
    again = interactions.block_action(ephemeral)
    assert again is not None and again.form_button("T0A1B2C3D4").channel == "C0OTHER"
    bare = interactions.block_action({})
    assert bare is not None and bare.form_button(None) == FormButton("", "", "", "", "", "")


def test_tokens_revoked_names_the_bot_users_whose_tokens_are_gone() -> None:
    event = payloads.event_of(payloads.TokensRevokedEvent, _json("tokens_revoked.json"))
    assert event is not None and event.tokens.bot == ["U0ASSISTBOT"]
    assert payloads.event_of(payloads.TokensRevokedEvent, {"event": {"tokens": {"bot": [{}]}}}) is None
    assert payloads.event_of(payloads.TokensRevokedEvent, "not a body") is None


def test_web_api_answers_are_typed() -> None:
    info = answers.UserInfo.model_validate(_json("web_api/users.info.ok.json"))
    assert (info.name_or("U0CUST0001"), info.email, info.locale) == ("jamie", "jamie@acme.example", None)
    assert answers.UserInfo.model_validate({"ok": True}).name_or("U0HIDDEN") == "U0HIDDEN"
    identity = answers.Identity.model_validate(
        {**_json("web_api/auth.test.ok.json"), "_scopes": "chat:write, users:read"}
    )
    assert (identity.team_id, identity.user_id, identity.bot_id) == (
        "T0A1B2C3D4",
        "U0ASSISTBOT",
        "B0ASSIST01",
    )
    assert identity.scopes == frozenset({"chat:write", "users:read"})
    assert answers.Identity.model_validate({"ok": True}).scopes is None
    access = answers.Access.model_validate(
        {"ok": True, "access_token": "xoxb-1", "team": {"id": "T1", "name": "Acme"}, "enterprise": None}
    )
    assert (access.team.id, access.enterprise.id, access.authed_user.id) == ("T1", None, None)
    opened = answers.OpenedView.model_validate(_json("web_api/views.open.ok.json"))
    assert (opened.view.id, opened.view.hash) == ("V0REQFORM01", "1767225705.Qm9vWk1y")
    reacted = answers.ReactedMessage.model_validate(
        {"ok": True, "message": {"text": "hi", "thread_ts": "1.2"}, "permalink": "https://s.test/p"}
    )
    assert (reacted.text, reacted.message.thread_ts, reacted.link) == ("hi", "1.2", "https://s.test/p")
