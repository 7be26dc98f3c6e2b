"""Configuration exactly as INTERFACE.md names it, and secrets that never show."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistdesk.settings import MissingSecretKey, Settings

NAMES = {
    "ASSISTDESK_DATABASE_URL": "postgresql+psycopg://app:db-password-123@db.internal/assist",
    "ASSISTDESK_PUBLIC_URL": "https://support.example.com/",
    "ASSISTDESK_SECRET_KEY": "secret-key-value-456",
    "ASSISTDESK_TICKET_PREFIX": "acme",
    "ASSISTDESK_SMTP_URL": "smtps://mailer:smtp-password-789@smtp.example.com:465",
    "ASSISTDESK_MAIL_FROM": "help@example.com",
    "SLACK_SIGNING_SECRET": "slack-signing-secret-abc",
    "SLACK_BOT_TOKEN": "xoxb-slack-bot-token-def",
    "SLACK_CLIENT_ID": "111.222",
    "SLACK_CLIENT_SECRET": "slack-client-secret-ghi",
    "SLACK_APP_TOKEN": "xapp-slack-app-token-jkl",
    "SLACK_API_URL": "http://127.0.0.1:9999/api/",
    "LARK_APP_ID": "cli_a1b2",
    "LARK_APP_SECRET": "lark-app-secret-mno",
    "LARK_VERIFICATION_TOKEN": "lark-verification-pqr",
    "LARK_ENCRYPT_KEY": "lark-encrypt-key-stu",
    "LARK_DOMAIN": "https://open.feishu.cn",
}
SECRETS = [
    "db-password-123",
    "secret-key-value-456",
    "smtp-password-789",
    "slack-signing-secret-abc",
    "xoxb-slack-bot-token-def",
    "slack-client-secret-ghi",
    "xapp-slack-app-token-jkl",
    "lark-app-secret-mno",
    "lark-verification-pqr",
    "lark-encrypt-key-stu",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith(("ASSISTDESK_", "SLACK_", "LARK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_interface_name_is_read(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in NAMES.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert s.database_url == NAMES["ASSISTDESK_DATABASE_URL"]
    assert s.public_url == "https://support.example.com"
    assert s.ticket_url("ACME-1") == "https://support.example.com/help/requests/ACME-1"
    assert s.ticket_prefix == "ACME"
    assert s.mail_from == "help@example.com"
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert s.lark_domain == "https://open.feishu.cn"
    assert s.slack_enabled and s.lark_enabled
    assert s.resolve_secret_key() == "secret-key-value-456"
    assert (
        s.slack_bot_token is not None and s.slack_bot_token.get_secret_value() == "xoxb-slack-bot-token-def"
    )


def test_secrets_never_show_in_reprs_or_the_printed_url(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in NAMES.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    shown = repr(s) + str(s) + s.safe_database_url()
    assert "postgresql+psycopg://app:***@db.internal/assist" in repr(s)
    for secret in SECRETS:
        assert secret not in shown, secret


def test_defaults_and_platforms_off_without_credentials(clean_env: Path) -> None:
    s = Settings()
    assert s.database_url == "sqlite:///./assistdesk.db"
    assert s.public_url == "http://127.0.0.1:8000"
    assert s.ticket_prefix == "SUP"
    assert s.mail_from == "support@localhost"
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.lark_domain == "https://open.larksuite.com"
    assert not s.slack_enabled and not s.lark_enabled


def test_a_toml_file_and_a_dotenv_supply_the_same_keys(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = clean_env / "assistdesk.toml"
    config.write_text('ASSISTDESK_TICKET_PREFIX = "OPS"\nASSISTDESK_PUBLIC_URL = "https://toml.example"\n')
    (clean_env / ".env").write_text("ASSISTDESK_PUBLIC_URL=https://dotenv.example\n")
    monkeypatch.setenv("ASSISTDESK_CONFIG", str(config))
    s = Settings()
    assert s.ticket_prefix == "OPS"
    assert s.public_url == "https://dotenv.example"  # .env outranks the TOML file; the environment both
    monkeypatch.setenv("ASSISTDESK_PUBLIC_URL", "https://env.example")
    assert Settings().public_url == "https://env.example"


def test_the_dev_secret_key_is_generated_once_beside_the_sqlite_file(clean_env: Path) -> None:
    data = clean_env / "data"
    s = Settings(database_url=f"sqlite:///{data}/desk.db")
    first = s.resolve_secret_key()
    assert len(first) >= 40
    key_file = data / "assistdesk.secret"
    assert key_file.read_text().strip() == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert Settings(database_url=f"sqlite:///{data}/desk.db").resolve_secret_key() == first


def test_a_server_database_needs_an_explicit_secret_key(clean_env: Path) -> None:
    with pytest.raises(MissingSecretKey, match="ASSISTDESK_SECRET_KEY must be set"):
        Settings(database_url="postgresql+psycopg://u@h/d").resolve_secret_key()


def test_bad_values_are_one_line_cli_errors_without_secrets(clean_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTDESK_", "SLACK_", "LARK_"))}
    env["ASSISTDESK_DATABASE_URL"] = "postgresql+psycopg://app:db-password-123@127.0.0.1:1/assist"
    env["ASSISTDESK_SECRET_KEY"] = "secret-key-value-456"
    result = subprocess.run(
        [sys.executable, "-m", "assistdesk", "org", "list"],
        env=env,
        cwd=clean_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("assistdesk: error: cannot reach the database")
    assert result.stderr.count("\n") == 1
    assert "db-password-123" not in result.stderr and "secret-key-value-456" not in result.stderr
    env["ASSISTDESK_TICKET_PREFIX"] = "not valid!"
    bad = subprocess.run(
        [sys.executable, "-m", "assistdesk", "org", "list"],
        env=env,
        cwd=clean_env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "ASSISTDESK_TICKET_PREFIX must be 1-16 letters or digits" in bad.stderr
