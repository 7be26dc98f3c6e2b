"""Story 6: Socket Mode (SLACK_APP_TOKEN) serves the same app over a WebSocket, with no public URL."""

from __future__ import annotations

from sqlalchemy import Engine

from tests import databases
from tests.conftest import empty_tables
from tests.slack.harness import fixture, world


def test_socket_mode_serves_the_same_app_without_a_public_url(
    provisioned: tuple[databases.ProvisionedDatabase, Engine],
) -> None:
    database, engine = provisioned
    with world(
        database.url, engine, slack_signing_secret=None, slack_app_token="xapp-1-A0ASSIST01-test"
    ) as socket:
        assert socket.fake.socket_connected()
        socket.org()
        socket.fake.add_user("U0CUST0001", name="Jamie Rivera", email="jamie@acme.example")
        socket.fake.add_message("C0SUPPORT01", "1767225600.000100", user="U0CUST0001", text="It broke")
        ack = socket.fake.socket_send("events_api", fixture("reaction_added.json"))
        assert ack["envelope_id"]
        [prompt] = socket.fake.wait_for("chat.postEphemeral")
        assert prompt.args["user"] == "U0CUST0001"
        help_ack = socket.fake.socket_send(
            "slash_commands",
            {
                "command": "/assist",
                "text": "help",
                "team_id": "T0A1B2C3D4",
                "channel_id": "C0SUPPORT01",
                "user_id": "U0CUST0001",
                "trigger_id": socket.fake.trigger(),
            },
        )
        assert "Two ways to open a support request" in help_ack["payload"]["text"]
        # No signing secret, so no HTTP Request URL to forge requests against.
        assert socket.http.post("/slack/events", content=b"{}").status_code == 404
        socket.wait_idle()
    empty_tables(engine)
