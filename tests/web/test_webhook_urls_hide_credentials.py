"""Credentials in a webhook URL are kept (the receiver needs them) but never shown: not in the API's
answers, not in `webhook list`, not in a delivery's error."""

from __future__ import annotations

import subprocess
import sys

from tests.web.conftest import Api

URL = "https://hook-user:s3cr3t-token@hooks.example/in?x=1"
SHOWN = "https://***@hooks.example/in?x=1"


def test_webhook_urls_are_listed_without_their_credentials(api: Api) -> None:
    created = api.admin.post("/webhooks", json={"url": URL})
    assert created.status_code == 201
    assert created.json()["url"] == SHOWN
    assert [h["url"] for h in api.admin.get("/webhooks").json()] == [SHOWN]
    listed = subprocess.run(
        [sys.executable, "-m", "assistdesk", "webhook", "list"],
        env={
            "ASSISTDESK_DATABASE_URL": api.runtime.settings.database_url,
            "ASSISTDESK_SECRET_KEY": api.runtime.settings.resolve_secret_key(),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert SHOWN in listed.stdout and "s3cr3t" not in listed.stdout
