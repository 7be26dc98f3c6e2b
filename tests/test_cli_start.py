"""CLI commands that only touch the database start without the channels' imports (aiohttp, the
platform SDKs, Alembic on an up-to-date database, the event loop policy, the holiday calendars):
operators and the end-to-end tests run dozens of them one after another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from assistdesk.db import migrate
from assistdesk.runtime import CHANNEL_EVENTS, build_runtime
from assistdesk.settings import Settings

HEAVY = (
    "aiohttp",
    "alembic",
    "slack_bolt",
    "slack_sdk",
    "lark_oapi",
    "uvloop",
    "uvicorn",
    "fastapi",
    "holidays",
)
PROBE = (
    "import runpy, sys\n"
    "sys.argv = ['assistdesk', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('assistdesk', run_name='__main__')\n"
    "except SystemExit as exc:\n"
    "    assert not exc.code, exc.code\n"
    f"print('loaded:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
)


def _loaded(db: Path, *args: str) -> str:
    env = {
        **os.environ,
        "ASSISTDESK_DATABASE_URL": f"sqlite:///{db}",
        "ASSISTDESK_SECRET_KEY": "k" * 40,
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "LARK_APP_ID": "cli_x",
        "LARK_APP_SECRET": "s",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].removeprefix("loaded:")


def test_database_only_commands_import_neither_the_channels_nor_alembic(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    assert _loaded(db, "org", "list").startswith("alembic")  # a fresh database: migrated first
    assert _loaded(db, "org", "create", "Acme", "--plan", "premium") == ""
    assert _loaded(db, "org", "list") == ""
    assert _loaded(db, "contact", "add", "ana@acme.example.com", "--org", "Acme") == ""
    assert _loaded(db, "agent", "add", "kim@desk.example.com", "--name", "Kim") == ""
    assert _loaded(db, "token", "create", "--agent", "kim@desk.example.com") == ""
    assert _loaded(db, "outbox", "list") == ""
    assert _loaded(db, "sla", "list") == ""


def test_the_newest_revisions_read_from_the_scripts_are_alembics() -> None:
    alembic_heads = set(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())
    assert alembic_heads
    assert migrate.head_revisions() == alembic_heads


def test_the_channels_subscribe_only_to_the_events_that_install_them(tmp_path: Path) -> None:
    """A runtime built without its channels installs them on the first of CHANNEL_EVENTS: an event
    type outside it with a subscriber would be missed by CLI commands."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/x.db",
        secret_key="k" * 40,
        slack_bot_token="xoxb-1",
        slack_signing_secret="s",
        lark_app_id="cli_x",
        lark_app_secret="s",
    )
    rt = build_runtime(settings, channels=False)
    try:
        assert rt.router.event_types() == set()
        rt.install_channels()
        subscribed = rt.router.event_types()
        assert subscribed
        assert all(issubclass(t, CHANNEL_EVENTS) for t in subscribed), subscribed
    finally:
        rt.db.dispose()
